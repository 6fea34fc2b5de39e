"""The report pages: the list of frozen runs with their downloads, one run's summary and
charts, in Vietnamese and English; who may open them; the coordinator's "build now".

The Q1 2026 run is built from the hand-counted fixture of tests/integration/report_fixture.py
(12 items: 3 done on time, 2 late, 3 in progress, 4 overdue). Signed in with a minted
session cookie, as the browser is after /login.
"""

from __future__ import annotations

import html
import io
import re
from datetime import datetime
from pathlib import Path

import httpx
import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

import workflow.reporting.files
from notifications.models import Notification
from tests.integration.api.test_item_page_forms import CSRF, browse_as
from tests.integration.report_fixture import BUILD_NOW, seed
from workflow.models import ReportRun
from workflow.reporting.build import build_report
from workflow.reporting.charts import CHARTS
from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.wording import wording


@pytest.fixture
def runs(org: Session) -> tuple[ReportRun, ReportRun]:
    """The Q1 2026 report (sent) and the digest of week 10 of 2026 (not sent)."""
    seed(org)
    quarterly = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    quarterly.sent_at = BUILD_NOW
    weekly = build_report(session=org, now=BUILD_NOW, kind="weekly", period="2026-W10")
    org.flush()
    return quarterly, weekly


@pytest.fixture
def no_office(monkeypatch: pytest.MonkeyPatch) -> None:
    """No LibreOffice on this machine, whatever is installed: PDFs exist only if stored."""
    monkeypatch.setattr(workflow.reporting.files, "soffice_path", lambda: None)


def text_of(page: httpx.Response, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page.text)
    assert found, f"no #{element_id} in {page.text[:300]!r}"
    return html.unescape(found.group(1).strip())


def row_of(page: httpx.Response, table_id: str, name: str) -> list[str]:
    """The cells after the name cell of the row `name` in table `table_id`."""
    table = re.search(rf'<table id="{table_id}"[^>]*>(.*?)</table>', page.text, re.S)
    assert table, table_id
    cell = re.escape(html.escape(name))
    row = re.search(rf"<tr[^>]*><td>{cell}</td>(.*?)</tr>", table.group(1), re.S)
    assert row, f"no row {name!r} in #{table_id}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells]


def links(page: httpx.Response, run_id: int | None) -> dict[str, str]:
    """The download links of a run's line in the list, by label."""
    line = re.search(rf'<tr id="report-{run_id}">(.*?)</tr>', page.text, re.S)
    assert line, run_id
    return {label: href for href, label in re.findall(r'<a href="([^"]+)">([A-Z]+)</a>', line[1])}


def test_list_shows_runs_newest_first_with_working_downloads(
    client: TestClient,
    org: Session,
    now: datetime,
    var_dir: Path,
    runs: tuple[ReportRun, ReportRun],
    no_office: None,
) -> None:
    quarterly, weekly = runs
    browse_as(client, org, now, "gd.minh")
    page = client.get("/ui/reports")
    assert page.status_code == 200
    assert 'id="nav-reports"' in page.text
    # Newest period first: Q1 ends 14/03, week 10 on 08/03.
    assert page.text.index(f'id="report-{quarterly.id}"') < page.text.index(
        f'id="report-{weekly.id}"'
    )
    line = re.search(rf'<tr id="report-{quarterly.id}">(.*?)</tr>', page.text, re.S)
    assert line and "Báo cáo quý" in line[1] and "Quý I năm 2026" in line[1]
    assert "17/03/2026 09:00" in line[1]  # built and sent at BUILD_NOW, agency time
    weekly_line = re.search(rf'<tr id="report-{weekly.id}">(.*?)</tr>', page.text, re.S)
    assert weekly_line and "Bản tin tuần" in weekly_line[1] and "Chưa gửi" in weekly_line[1]

    found = links(page, quarterly.id)
    assert set(found) == {"DOCX", "XLSX"}  # no LibreOffice, no stored PDF: no PDF link
    docx = client.get(found["DOCX"])
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    xlsx = client.get(found["XLSX"])
    assert xlsx.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames

    # A PDF rendered when the run was built (on a host with LibreOffice) is offered and served.
    from workflow.reporting.files import report_key
    from workflow.services.files import put_file

    key = report_key(quarterly.id or 0, "bao-cao-quarterly-2026Q1.pdf")
    put_file(session=org, now=now, key=key, data=b"%PDF-1.7 stored", content_type="application/pdf")
    found = links(client.get("/ui/reports"), quarterly.id)
    assert set(found) == {"DOCX", "XLSX", "PDF"}
    assert client.get(found["PDF"]).content == b"%PDF-1.7 stored"
    assert set(links(client.get("/ui/reports"), weekly.id)) == {"DOCX", "XLSX"}


def test_list_filters_by_kind(
    client: TestClient, org: Session, now: datetime, runs: tuple[ReportRun, ReportRun]
) -> None:
    quarterly, weekly = runs
    browse_as(client, org, now, "cchc.truong")
    page = client.get("/ui/reports", params={"kind": "weekly"})
    assert page.status_code == 200
    assert f'id="report-{weekly.id}"' in page.text
    assert f'id="report-{quarterly.id}"' not in page.text
    assert re.search(r'id="kind-weekly" aria-current="page"[^>]*>Bản tin tuần \(1\)', page.text)
    empty = client.get("/ui/reports", params={"kind": "annual"})
    assert empty.status_code == 200 and 'id="no-reports"' in empty.text
    assert client.get("/ui/reports", params={"kind": "monthly"}).status_code == 422


def test_summary_page_shows_the_snapshot(
    client: TestClient, org: Session, now: datetime, runs: tuple[ReportRun, ReportRun]
) -> None:
    quarterly, _ = runs
    snap = ReportSnapshot.from_json(quarterly.snapshot)
    browse_as(client, org, now, "pgd.dong")
    page = client.get(f"/ui/reports/{quarterly.id}")
    assert page.status_code == 200
    t = snap.totals
    assert text_of(page, "report-title") == (
        "Kết quả thực hiện công tác cải cách hành chính quý I năm 2026"
    )
    assert [
        text_of(page, f"total-{name}")
        for name in ("items", "done-on-time", "done-late", "in-progress", "overdue", "rate")
    ] == [
        str(t.total),
        str(t.done_on_time),
        str(t.done_late),
        str(t.in_progress_on_time),
        str(t.overdue),
        "55,6%",  # done over what fell due by the cut-off (5 of 9), as the headline says
    ]
    # The hand-counted numbers of the fixture, so a wrong snapshot cannot pass either.
    assert (t.total, t.done_on_time, t.done_late, t.overdue) == (12, 3, 2, 4)
    for area in snap.by_area:
        c = area.counts
        assert row_of(page, "by-area", area.name)[:5] == [
            str(c.total),
            str(c.done_on_time),
            str(c.done_late),
            str(c.in_progress_on_time),
            str(c.overdue),
        ]
    for unit in snap.by_unit:
        c = unit.counts
        cells = row_of(page, "by-unit", unit.name)
        assert cells[0] == str(c.total) and cells[4] == str(c.overdue)
        assert cells[5] == str(c.overdue_working_days)
    for item in snap.overdue_items:
        assert item.title in page.text
    assert snap.indicators
    words = wording("vi")
    for indicator in snap.indicators:
        # The target judged against in the report's year, with that year (decision 0027).
        assert row_of(page, "indicators", indicator.name)[0] == words.indicator_target(indicator)
    assert "Đạt tiến độ" in page.text  # the online-files indicator is on track
    # Each chart of the report mail, as PNG: the snapshot's own picture, kept once drawn.
    for name, draw in CHARTS.items():
        assert f'src="/ui/reports/{quarterly.id}/charts/{name}"' in page.text
        png = client.get(f"/ui/reports/{quarterly.id}/charts/{name}")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content == draw(snap)
    assert client.get(f"/ui/reports/{quarterly.id}/charts/pie").status_code == 404
    assert client.get("/ui/reports/999999").status_code == 404


def test_english_pages_use_the_report_mails_english(
    client: TestClient, org: Session, now: datetime, runs: tuple[ReportRun, ReportRun]
) -> None:
    quarterly, _ = runs
    browse_as(client, org, now, "gd.minh")
    client.cookies.set("pf_lang", "en")
    listed = client.get("/ui/reports")
    assert listed.status_code == 200 and "Periodic reports" in listed.text
    line = re.search(rf'<tr id="report-{quarterly.id}">(.*?)</tr>', listed.text, re.S)
    assert line and "Quarterly report" in line[1] and "Q1 2026" in line[1]
    assert "Week 10 of 2026" in listed.text and "Weekly digest" in listed.text
    page = client.get(f"/ui/reports/{quarterly.id}")
    assert text_of(page, "report-title") == "Administrative reform results, Q1 2026"
    assert text_of(page, "total-rate") == "55.6%"
    assert text_of(page, "headline").startswith(
        "4 tasks in total (12 occurrences); of 9 occurrences due, 5 done (55.6%)"
    )
    assert "By lead unit" in page.text and "Other tasks (outside the plan)" in page.text
    assert "On track" in page.text and "Kết quả thực hiện" not in page.text
    assert "labelled in Vietnamese" in page.text


@pytest.mark.parametrize("username", ["cchc.linh", "vp.admin"])
def test_officers_and_administrators_get_403(
    client: TestClient,
    org: Session,
    now: datetime,
    runs: tuple[ReportRun, ReportRun],
    username: str,
) -> None:
    quarterly, _ = runs
    browse_as(client, org, now, username)
    client.cookies.set("pf_lang", "vi")  # the administrator's profile reads English
    assert 'id="nav-reports"' not in client.get("/my").text
    for url in (
        "/ui/reports",
        f"/ui/reports/{quarterly.id}",
        f"/ui/reports/{quarterly.id}/charts/trend",
    ):
        page = client.get(url)
        assert page.status_code == 403, url
        assert "Báo cáo định kỳ dành cho Ban Giám đốc" in page.text
        assert "Nhiệm vụ quá hạn" not in page.text


def test_signed_out_goes_to_sign_in(client: TestClient, runs: tuple[ReportRun, ReportRun]) -> None:
    quarterly, _ = runs
    for url in ("/ui/reports", f"/ui/reports/{quarterly.id}"):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/login?next={url}"
    form = {"kind": "weekly", "period": "2026-W09"}
    r = client.post("/ui/reports/build", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/ui/reports"


def weekly_runs(org: Session) -> list[ReportRun]:
    return list(org.exec(select(ReportRun).where(ReportRun.kind == "weekly")).all())


def test_coordinator_builds_the_report_of_an_ended_period(
    client: TestClient, org: Session, now: datetime
) -> None:
    # now: Monday 02/03/2026. Ended and not built: week 9, Q3 2025, H1 2025, the year 2025.
    browse_as(client, org, now, "vp.cchc")
    page = client.get("/ui/reports")
    forms = re.findall(
        r'name="kind" value="([a-z_]+)">\s*<input type="hidden" name="period" value="([^"]+)"',
        page.text,
    )
    assert forms == [
        ("weekly", "2026-W09"),
        ("quarterly", "2025Q3"),
        ("six_month", "2025H1"),
        ("annual", "2025"),
    ]
    assert "Bản tin tuần, tuần 9 năm 2026" in page.text
    form = {"csrf_token": CSRF, "kind": "weekly", "period": "2026-W09"}
    r = client.post("/ui/reports/build", data=form, follow_redirects=False)
    assert r.status_code == 303
    (run,) = weekly_runs(org)
    assert r.headers["location"] == f"/ui/reports/{run.id}"
    assert run.created_at == now and run.sent_at is None
    # Built, not mailed: the scheduler sends it at its time.
    assert not org.exec(select(Notification).where(col(Notification.kind) == "report")).all()
    assert client.get(r.headers["location"]).status_code == 200
    assert 'id="build-weekly"' not in client.get("/ui/reports").text
    # Pressed again (another tab): the frozen run, not a second one.
    again = client.post("/ui/reports/build", data=form, follow_redirects=False)
    assert again.headers["location"] == f"/ui/reports/{run.id}"
    assert len(weekly_runs(org)) == 1


def test_build_refusals_write_nothing(client: TestClient, org: Session, now: datetime) -> None:
    browse_as(client, org, now, "vp.cchc")
    running = {"csrf_token": CSRF, "kind": "weekly", "period": "2026-W10"}  # ends 08/03
    r = client.post("/ui/reports/build", data=running, follow_redirects=False)
    assert r.status_code == 422 and "kỳ báo cáo chưa kết thúc" in r.text
    wrong_kind = {"csrf_token": CSRF, "kind": "annual", "period": "2025Q3"}
    assert client.post("/ui/reports/build", data=wrong_kind).status_code == 422
    forged = {"csrf_token": "khac", "kind": "weekly", "period": "2026-W09"}
    assert client.post("/ui/reports/build", data=forged).status_code == 403
    browse_as(client, org, now, "gd.minh")  # reads reports, does not build them
    page = client.get("/ui/reports")
    assert page.status_code == 200 and 'id="report-build"' not in page.text
    r = client.post("/ui/reports/build", data={**running, "period": "2026-W09"})
    assert r.status_code == 403
    assert weekly_runs(org) == []
