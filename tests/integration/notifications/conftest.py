"""Fixtures for the mail tests: a real aiosmtpd sink on loopback, settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.smtp_sink import SmtpSink
from workflow.models.org import User
from workflow.settings import Settings

BASE_URL = "https://giaoviec.sonoivu.example.vn"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "base_url": BASE_URL,
        "mail_backend": "smtp",
        "secret_key": "test-secret-key-0123456789abcdef",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def smtp_settings(sink: SmtpSink) -> Settings:
    return make_settings(smtp_host=sink.host, smtp_port=sink.port)


@pytest.fixture
def users(org: Session) -> dict[str, User]:
    return {u.username: u for u in org.exec(select(User))}


def reminder_context(
    user: User, *, item_id: int = 42, title: str = "Báo cáo kết quả CCHC quý I", now: datetime
) -> dict[str, Any]:
    return {
        "recipient_name": user.full_name,
        "item": {
            "id": item_id,
            "title": title,
            "due_at": (now + timedelta(days=3)).isoformat(),
            "unit_name": "Phòng Cải cách hành chính",
            "assignee_name": user.full_name,
        },
        "working_days_left": 3,
    }
