"""The web app serves its landing page and health probes on the embedded default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(embedded_db: str) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app()) as c:
        yield c


def test_home_page_shows_counts_in_vietnamese(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Theo dõi thực hiện kế hoạch" in page.text
    assert '<td id="count-units">10</td>' in page.text


def test_health_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
