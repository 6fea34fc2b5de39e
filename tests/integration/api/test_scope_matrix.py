"""Authorisation matrix: every item route × every role × in-scope / out-of-scope item.

The routes are read from the app's OpenAPI document: a new route under /items/{item_id} without a
probe here fails `test_every_item_route_has_a_probe`, so nothing escapes the matrix.
Out of scope means 404 with no trace of the object; in scope means anything but 404/5xx.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.api.conftest import VISIBILITY, Sample

Probe = Callable[[Sample, str], dict[str, Any]]


def _static(**kwargs: Any) -> Probe:
    return lambda _sample, _key: {"path": {}, **kwargs}


# (method, path) → the request for a probe of that route on the sample item `key`.
PROBES: dict[tuple[str, str], Probe] = {
    ("GET", "/items/{item_id}"): _static(),
    ("POST", "/items/{item_id}/actions/{action}"): lambda _s, _k: {
        "path": {"action": "accept"},
        "json": {},
    },
    ("GET", "/items/{item_id}/comments"): _static(),
    ("POST", "/items/{item_id}/comments"): _static(json={"body": "Đề nghị phối hợp"}),
    ("GET", "/items/{item_id}/evidence"): _static(),
    ("POST", "/items/{item_id}/evidence"): _static(data={"note": "Đã gửi dự thảo"}),
    ("GET", "/items/{item_id}/evidence/{evidence_id}/file"): lambda s, k: {
        "path": {"evidence_id": s.evidence[k]}
    },
    ("GET", "/items/{item_id}/extensions"): _static(),
    ("POST", "/items/{item_id}/extensions"): _static(
        json={"requested_due_on": "2026-12-31", "reason": "Chờ số liệu"}
    ),
    ("POST", "/items/{item_id}/extensions/{request_id}/decision"): lambda s, k: {
        "path": {"request_id": s.extension[k]},
        "json": {"approve": False, "note": "Chưa đủ lý do"},
    },
}


def request_args(probe: Probe, sample: Sample, key: str, path: str) -> tuple[str, dict[str, Any]]:
    args = probe(sample, key)
    url = path.format(item_id=sample.by_key()[key].id, **args.pop("path"))
    return url, args


def item_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) of the API that addresses one work item."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if "{item_id}" in path
        for method in operations
    }


def test_every_item_route_has_a_probe(app: FastAPI) -> None:
    assert item_routes(app) == set(PROBES)


@pytest.mark.parametrize("username", sorted(VISIBILITY))
def test_item_routes_hide_out_of_scope_items(
    username: str,
    client: TestClient,
    sample: Sample,
    auth_for: Callable[[str], dict[str, str]],
) -> None:
    headers = auth_for(username)
    visible = VISIBILITY[username]
    for (method, path), probe in sorted(PROBES.items()):
        for key, item in sorted(sample.by_key().items()):
            url, args = request_args(probe, sample, key, path)
            r = client.request(method, url, headers=headers, **args)
            where = f"{username} {method} {path} on {key}: {r.status_code} {r.text[:200]}"
            assert r.status_code < 500, where
            if key in visible:
                assert r.status_code != 404, where
            else:
                assert r.status_code == 404, where
                assert r.headers["content-type"] == "application/problem+json"
                assert item.title not in r.text.replace('"title":"', ""), where


@pytest.mark.parametrize("username", sorted(VISIBILITY))
def test_list_shows_exactly_the_scope(
    username: str,
    client: TestClient,
    sample: Sample,
    auth_for: Callable[[str], dict[str, str]],
) -> None:
    r = client.get("/items", params={"page_size": 200}, headers=auth_for(username))
    assert r.status_code == 200
    ids = {i["id"] for i in r.json()["items"]}
    expected = {item.id for key, item in sample.by_key().items() if key in VISIBILITY[username]}
    assert ids == expected


def test_anonymous_gets_401_everywhere(app: FastAPI, client: TestClient, sample: Sample) -> None:
    for method, path in sorted(item_routes(app)):
        url, args = request_args(PROBES[(method, path)], sample, "cchc", path)
        r = client.request(method, url, **args)
        assert r.status_code == 401, (method, path)
