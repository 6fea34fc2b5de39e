"""`planflow plan import --dry-run --json` on the sample annual plan in its three forms, and a
scanned PDF refused by the CLI (exit 2) and the API (422), as a user meets them."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT, SAMPLE_ORG
from workflow.migrate import upgrade

matplotlib.use("Agg")
from matplotlib import pyplot

SAMPLE = ROOT / "deploy" / "sample" / "ke-hoach-cchc-2026"
Auth = Callable[[str], dict[str, str]]


def _scanned_pdf() -> bytes:
    figure = pyplot.figure(figsize=(2, 2))
    figure.figimage([[0.0, 1.0], [1.0, 0.0]] * 50, cmap="gray")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    pyplot.close(figure)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def cli(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., subprocess.CompletedProcess[str]]:
    db = tmp_path_factory.mktemp("cli") / "pf.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    env = {**os.environ, "PLANFLOW_DATABASE_URL": url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "api.cli", *args]
        return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)

    assert run("org", "load", str(SAMPLE_ORG)).returncode == 0
    return run


def _tasks(payload: dict[str, Any]) -> list[tuple[Any, ...]]:
    keys = ("number", "text", "lead_unit", "supporting_units", "due_text", "due",
            "due_working_day", "recurrence", "due_kind", "warning", "product")  # fmt: skip
    return [tuple(json.dumps(t[k], ensure_ascii=False) for k in keys) for t in payload["tasks"]]


def test_dry_run_json_gives_each_deadline_read_the_same_from_every_form(
    cli: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    payloads = {}
    for form in ("md", "docx", "pdf"):
        done = cli("plan", "import", str(SAMPLE.with_suffix(f".{form}")), "--dry-run", "--json")
        assert done.returncode == 0, done.stderr
        payloads[form] = json.loads(done.stdout)
    assert _tasks(payloads["docx"]) == _tasks(payloads["md"])
    assert _tasks(payloads["pdf"]) == _tasks(payloads["md"])
    pdf = payloads["pdf"]
    assert (pdf["start_year"], pdf["end_year"], pdf["warnings"]) == (2026, 2026, [])
    assert pdf["dry_run"] is True and pdf["reporting_duty"]["day"] == 10
    tasks = {t["number"]: t for t in pdf["tasks"]}
    assert len(tasks) == 24
    assert tasks["1.1"] | {"loc": None} == {
        "number": "1.1",
        "text": "Rà soát, hệ thống hóa văn bản quy phạm pháp luật thuộc lĩnh vực quản lý nhà "
        "nước của ngành Nội vụ",
        "loc": None,
        "lead_unit": "Thanh tra",
        "supporting_units": ["Văn phòng"],
        "due_text": "Quý II/2026",
        "due_inherited": False,
        "due_kind": "fixed",
        "due": "2026-06-30",
        "due_working_day": None,
        "due_shown": "30/06/2026",
        "recurrence": None,
        "warning": None,
        "product": "Báo cáo kết quả rà soát",
    }
    assert (tasks["5.1"]["due"], tasks["5.1"]["due_working_day"]) == ("2026-05-31", "2026-06-01")
    assert tasks["6.1"]["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=10"
    assert (tasks["6.5"]["due_kind"], tasks["6.5"]["due"]) == ("ongoing", None)
    assert tasks["4.3"]["recurrence"] == "FREQ=MONTHLY;BYMONTH=6,12;BYMONTHDAY=10"


def test_an_unreadable_deadline_is_a_warning_not_a_failed_import(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    text = SAMPLE.with_suffix(".md").read_text(encoding="utf-8")
    odd = tmp_path / "odd.md"
    odd.write_text(text.replace("| Khi có yêu cầu |", "| Sau khi Bộ hướng dẫn |"), encoding="utf-8")
    done = cli("plan", "import", str(odd), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "warning: line 58: task 6.6: deadline not understood: 'Sau khi Bộ hướng dẫn'" in (
        done.stdout
    )
    assert "Quý II/2026 → 30/06/2026" in done.stdout
    assert "31/05/2026 (Chủ nhật) → 01/06/2026" in done.stdout
    payload = json.loads(cli("plan", "import", str(odd), "--dry-run", "--json").stdout)
    assert payload["warnings"] == [
        "line 58: task 6.6: deadline not understood: 'Sau khi Bộ hướng dẫn'"
    ]
    assert payload["tasks"][-1]["due_kind"] == "unread"


def test_a_scanned_pdf_exits_2_saying_so(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(_scanned_pdf())
    done = cli("plan", "import", str(scan), "--dry-run")
    assert done.returncode == 2
    assert "the PDF has no text layer: it looks scanned; import the DOCX or an OCR'd PDF" in (
        done.stderr
    )


def test_the_api_imports_a_pdf_and_refuses_a_scan(client: TestClient, auth_for: Auth) -> None:
    coordinator = auth_for("vp.cchc")
    pdf = SAMPLE.with_suffix(".pdf")
    preview = client.post(
        "/plans/import",
        files={"file": (pdf.name, pdf.read_bytes(), "application/pdf")},
        data={"dry_run": "true"},
        headers=coordinator,
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["start_year"], body["end_year"], body["warnings"]) == (2026, 2026, [])
    assert sum(1 for line in body["created"] if line.startswith("task ")) == 24
    scan = client.post(
        "/plans/import",
        files={"file": ("scan.pdf", _scanned_pdf(), "application/pdf")},
        data={"dry_run": "true"},
        headers=coordinator,
    )
    assert scan.status_code == 422
    assert scan.headers["content-type"] == "application/problem+json"
    assert "no text layer" in scan.json()["detail"]
