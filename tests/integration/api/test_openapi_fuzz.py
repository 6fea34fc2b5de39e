"""Schemathesis against the OpenAPI document: no 500, every answer matches the schema.

Bounded (a few examples per operation, derandomized) so it stays well under a minute.
Requests carry a director's token, so scoped routes are exercised past authentication.
The app is built once at import; each test binds it to its rolled-back transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)
from sqlmodel import Session

from api.app import create_app
from api.deps import get_now
from tests.integration.api.conftest import Sample

APP = create_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture
def bound_app(org: Session, now: datetime, sample: Sample) -> Iterator[None]:
    conn = org.connection()
    APP.state.session_factory = lambda: Session(
        bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    APP.dependency_overrides[get_now] = lambda: now
    yield
    APP.state.session_factory = None
    APP.dependency_overrides.clear()


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(
    case: Any, bound_app: None, auth_for: Callable[[str], dict[str, str]]
) -> None:
    case.call_and_validate(
        headers=auth_for("gd.minh"),
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
