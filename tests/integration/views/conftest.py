"""Both engines for the list views' services: the test's PostgreSQL transaction, or a fresh
migrated SQLite file (embedded mode) with the sample organisation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session


@pytest.fixture(params=["postgresql", "sqlite"])
def db(request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session with the sample organisation on PostgreSQL or SQLite (rolled back/discarded)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("org")
        return
    request.getfixturevalue("embedded_db")
    from workflow import db as workflow_db

    session = Session(workflow_db.get_engine())
    try:
        yield session
    finally:
        session.rollback()
        session.close()
