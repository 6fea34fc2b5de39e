"""The web app serves its landing page and health probes on the embedded default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import SAMPLE_ORG
from workflow import db
from workflow.migrate import upgrade
from workflow.services.org import load_org
from workflow.settings import get_settings


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'pf.db'}"
    monkeypatch.setenv("PLANFLOW_DATABASE_URL", url)
    monkeypatch.setenv("PLANFLOW_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    upgrade(url)
    with db.session_scope() as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
    from api.app import create_app

    with TestClient(create_app()) as c:
        yield c
    db.get_engine.cache_clear()
    get_settings.cache_clear()


def test_home_page_shows_counts_in_vietnamese(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Theo dõi thực hiện kế hoạch" in page.text
    assert '<td id="count-units">10</td>' in page.text


def test_health_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
