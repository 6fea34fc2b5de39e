"""The search index (tìm kiếm), one row per searchable object kept in step by the write path,
and the list views people save (SavedView).

Items, plan tasks, comments and evidence each get one `SearchEntry` (kind, object id) naming
the work item or plan task that decides who may see it (workflow.services.scope). The text
itself is indexed per engine (docs/decisions/0029-search-filters-export-bulk.md):

- PostgreSQL: `document`, a weighted `tsvector` of the text through `unaccent` (title
  weight A, the rest B), with a GIN index;
- SQLite: the FTS5 table `search_fts` (rowid = the entry's id), which the models cannot
  declare, created by `workflow.search_index.install` after the migrations.

No foreign keys: an entry is written after its object's flush and removed after its
object's delete (workflow/search_index.py), never in between.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.models.types import SearchVector, UTCDateTime, in_check

SEARCH_KINDS = ("item", "task", "comment", "evidence")


class SearchEntry(SQLModel, table=True):
    """One searchable object: a work item, a plan task, a comment or an evidence."""

    __tablename__ = "search_entry"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", name="uq_search_entry_kind_object"),
        in_check("kind", list(SEARCH_KINDS)),
        Index("ix_search_entry_document", "document", postgresql_using="gin"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    object_id: int
    # The item whose visibility the entry shares (items, comments, evidence).
    work_item_id: int | None = Field(default=None, index=True)
    # The plan task of a task entry (visible to every active account, like the plan pages).
    plan_task_id: int | None = Field(default=None, index=True)
    document: str | None = Field(default=None, sa_column=Column(SearchVector()))


class SavedView(SQLModel, table=True):
    """A list's filters saved under a name by one person (chế độ xem đã lưu).

    `query` is the canonical query string of `workflow.services.views.ViewFilters`: the
    view opens as `/{list}?{query}`, the same URL anybody can share."""

    __tablename__ = "saved_view"
    __table_args__ = (
        UniqueConstraint("user_id", "list_name", "name", name="uq_saved_view_user_list_name"),
        in_check("list_name", ["my", "team"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    list_name: str = Field(max_length=10)
    name: str = Field(max_length=80)
    query: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
