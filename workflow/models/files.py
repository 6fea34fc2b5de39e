"""Stored files (tệp lưu trữ): evidence uploads and generated report documents, kept in the
database so every host serves them (decision 0028)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from workflow.models.types import UTCDateTime


class StoredFile(SQLModel, table=True):
    """One file's bytes under a key, e.g. `evidence/12/<random>.pdf` or
    `reports/5/bao-cao-quarterly-2026Q1.docx`; rows name files by key."""

    __tablename__ = "stored_file"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=500, unique=True)
    content_type: str = Field(max_length=120)
    size_bytes: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # bytea on PostgreSQL (TOAST keeps it out of the row), BLOB on SQLite.
    data: bytes = Field(sa_column=Column(LargeBinary(), nullable=False))
