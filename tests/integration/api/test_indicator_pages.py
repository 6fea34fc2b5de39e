"""Indicators on the web: the plan page's section, an indicator's page and its reading form.

The sample plan (deploy/sample) is imported; `now` is Monday 02/03/2026. The judgement
shown must be the report's own: the same readings give the same status in a report built
afterwards for Q1 2026 (15/12/2025-14/03/2026).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from tests.conftest import SAMPLE_PLAN
from tests.integration.api.conftest import signed_in, user_named
from workflow.importer import parse_document, upsert_plan
from workflow.models import Area, Indicator, IndicatorReading, IndicatorTarget
from workflow.reporting.build import build_report
from workflow.reporting.snapshot import ReportSnapshot
from workflow.services.indicators import record_reading

# After Q1 2026 ended (14/03): the quarterly report can be built.
REPORT_NOW = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)


@dataclass
class SamplePlan:
    id: int
    indicators: dict[int, str]  # id → name
    satisfaction: int  # "Mức độ hài lòng ...": 2025 ≥ 90%, 2030 ≥ 95%
    payment: int  # "Tối thiểu 80% thủ tục ... thanh toán": 2025 ≥ 80%, 2030 = 100%
    online_share: int  # "... giao dịch thanh toán trực tuyến ... từ 30%": 2025 ≥ 30, 2030 ≥ 50
    rank: int  # "... top 10 của tỉnh": 2030 top 10


@pytest.fixture
def plan(org: Session, now: datetime) -> SamplePlan:
    tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
    result = upsert_plan(session=org, tree=tree, now=now, source=SAMPLE_PLAN.name)
    assert result.plan_id is not None
    rows = org.exec(
        select(Indicator)
        .join(Area, col(Area.id) == col(Indicator.area_id))
        .where(Area.plan_id == result.plan_id)
    ).all()
    names = {i.id or 0: i.name for i in rows}

    def named(start: str) -> int:
        return next(i for i, n in names.items() if n.startswith(start))

    return SamplePlan(
        id=result.plan_id,
        indicators=names,
        satisfaction=named("Mức độ hài lòng"),
        payment=named("Tối thiểu 80% thủ tục hành chính có yêu cầu nghĩa vụ tài chính"),
        online_share=named("trong số đó, tỷ lệ giao dịch thanh toán trực tuyến"),
        rank=named("Chỉ số về kết quả đánh giá chuyển đổi số"),
    )


def statuses(html: str) -> dict[int, str]:
    """indicator id → the data-status of its assessment on the plan page."""
    rows = re.findall(
        r'<tr class="indicator" data-indicator-id="(\d+)">(.*?)</tr>', html, flags=re.S
    )
    out = {}
    for ind, row in rows:
        found = re.search(
            r'<td class="assessment"[^>]*><span class="ind-status \w+" data-status="(\w+)"', row
        )
        assert found, row
        out[int(ind)] = found.group(1)
    return out


def row_of(html: str, indicator_id: int) -> str:
    found = re.search(
        rf'<tr class="indicator" data-indicator-id="{indicator_id}">(.*?)</tr>', html, flags=re.S
    )
    assert found
    return found.group(1)


def readings(org: Session, indicator_id: int) -> int:
    return org.exec(
        select(func.count())
        .select_from(IndicatorReading)
        .where(IndicatorReading.indicator_id == indicator_id)
    ).one()


def post_reading(client: TestClient, token: str, indicator_id: int, **form: str) -> httpx.Response:
    r: httpx.Response = client.post(
        f"/ui/indicators/{indicator_id}/readings",
        data={"csrf_token": token, **form},
        follow_redirects=False,
    )
    return r


def test_plan_page_lists_every_indicator_with_its_targets(
    client: TestClient, org: Session, plan: SamplePlan
) -> None:
    signed_in(client, org, "cchc.linh")
    page = client.get(f"/ui/plans/{plan.id}")
    assert page.status_code == 200
    html = page.text
    section = html[html.index('<section id="indicators">') :]
    # Every indicator of the plan, each linked to its page, grouped by area.
    assert set(statuses(section)) == set(plan.indicators)
    assert len(plan.indicators) == 15
    for area in org.exec(select(Area).where(Area.plan_id == plan.id)).all():
        has = org.exec(select(Indicator).where(Indicator.area_id == area.id)).first()
        assert (f'id="indicators-area-{area.id}"' in section) == (has is not None)
        if has is not None:  # the area's part of the tree points to its indicators
            assert f'href="#indicators-area-{area.id}"' in html
    for ind in plan.indicators:
        assert f'href="/ui/indicators/{ind}"' in section
    # Targets per year with their comparators, as stored.
    targets = org.exec(select(IndicatorTarget)).all()
    assert len(targets) == 19
    for target in targets:
        row = row_of(section, target.indicator_id)
        assert f'data-year="{target.year}">{target.year}: ' in row
    payment = row_of(section, plan.payment)
    assert '<span class="nowrap" data-year="2025">2025: ≥ 80%</span>' in payment
    assert '<span class="nowrap" data-year="2030">2030: 100%</span>' in payment
    assert "2030: trong top 10" in row_of(section, plan.rank)
    assert "Thứ hạng" in row_of(section, plan.rank)
    # Grouped under their objective (the 2025 milestone objective of the payment target).
    assert re.search(
        r'<tr class="objective"><td colspan="5">Mục tiêu: Tối thiểu 80% thủ tục', section
    )
    # Nothing recorded yet: the report's words for it, against the year's target on the path
    # from ≥ 80% (2025) to 100% (2030).
    assert set(statuses(section).values()) == {"no_data"}
    assert "Chưa có số liệu" in payment and "so với mục tiêu năm 2026: 84%" in payment
    # An officer does not record readings: no link to the form.
    assert "record-link" not in section


def test_a_recorded_reading_is_shown_and_judged_as_the_report_does(
    client: TestClient, org: Session, plan: SamplePlan
) -> None:
    token = signed_in(client, org, "vp.cchc")
    plan_page = client.get(f"/ui/plans/{plan.id}").text
    assert f'href="/ui/indicators/{plan.satisfaction}#record"' in plan_page
    # 96,5% ≥ 95% (2030): met; 88% of ≥ 95%: within 0.9, at risk; 40% of 100%: off track.
    r = post_reading(
        client, token, plan.satisfaction, as_of="2026-02-27", value="96,5", note="Khảo sát quý I"
    )
    assert r.status_code == 303
    location = r.headers["location"]
    reading_id = org.exec(
        select(IndicatorReading.id).where(IndicatorReading.indicator_id == plan.satisfaction)
    ).one()
    assert location == f"/ui/indicators/{plan.satisfaction}?recorded={reading_id}#readings"
    page = client.get(location)
    assert page.status_code == 200
    assert "Đã ghi số liệu 96,5% tính đến ngày 27/02/2026." in page.text
    listed = re.search(rf'<tr data-reading-id="{reading_id}"[^>]*>(.*?)</tr>', page.text, re.S)
    assert listed
    for shown in (
        "27/02/2026",
        "2026",
        "96,5%",
        "Khảo sát quý I",
        "Đỗ Thị Hạnh",
        "02/03/2026 09:00",
    ):
        assert shown in listed.group(1)
    assert (
        post_reading(client, token, plan.payment, as_of="2026-03-01", value="40").status_code == 303
    )
    assert (
        post_reading(client, token, plan.online_share, as_of="2026-01-31", value="31").status_code
        == 303
    )

    judged = statuses(client.get(f"/ui/plans/{plan.id}").text)
    assert judged[plan.satisfaction] == "on_track"
    # 31 against 2026's ≥ 34% on the path from ≥ 30% (2025) to ≥ 50% (2030), not against
    # the 2030 end value: 0.91 of it.
    assert judged[plan.online_share] == "at_risk"
    assert judged[plan.payment] == "off_track"
    latest = row_of(client.get(f"/ui/plans/{plan.id}").text, plan.satisfaction)
    assert "<strong>96,5%</strong>" in latest and "Đỗ Thị Hạnh nhập lúc 02/03/2026 09:00" in latest
    assert "Đạt tiến độ" in latest

    # The report of the quarter says the same of every indicator of the plan.
    run = build_report(session=org, now=REPORT_NOW, kind="quarterly", period="2026Q1")
    report = {r.id: r.status for r in ReportSnapshot.from_json(run.snapshot).indicators}
    assert {i: report[i] for i in judged} == judged
    assert set(judged.values()) == {"on_track", "at_risk", "off_track", "no_data"}


def test_a_second_reading_of_a_date_replaces_the_first(
    client: TestClient, org: Session, plan: SamplePlan
) -> None:
    token = signed_in(client, org, "vp.cchc")
    post_reading(client, token, plan.satisfaction, as_of="2026-02-27", value="80")
    again = post_reading(client, token, plan.satisfaction, as_of="27/02/2026", value="91.5")
    page = client.get(again.headers["location"])
    assert "thay cho số liệu cùng ngày đã nhập trước đó" in page.text
    assert readings(org, plan.satisfaction) == 2  # history kept
    assert page.text.count('class="superseded') == 1
    assert "đã được thay bằng số liệu cùng ngày nhập sau" in page.text
    now_row = re.search(r'<table id="now">(.*?)</table>', page.text, re.S)
    assert now_row and "91,5%" in now_row.group(1) and "80%" not in now_row.group(1)


def test_the_trend_takes_each_years_reading_as_its_annual_report(
    client: TestClient, org: Session, plan: SamplePlan
) -> None:
    coordinator = user_named(org, "vp.cchc")
    for day, value in (
        (date(2025, 6, 30), 85.0),
        (date(2025, 12, 10), 92.0),  # the last of the CCHC year 2025
        (date(2025, 12, 20), 93.0),  # 15/12 onwards: the CCHC year 2026
    ):
        record_reading(
            session=org,
            now=datetime(2026, 3, 1, tzinfo=UTC),
            actor=coordinator,
            indicator_id=plan.satisfaction,
            value=value,
            as_of=day,
        )
    signed_in(client, org, "cchc.linh")
    page = client.get(f"/ui/indicators/{plan.satisfaction}").text
    trend = re.findall(
        r'<tr data-year="(\d{4})">(.*?)</tr>',
        page.split('<table id="trend" class="cards">')[1].split("</table>")[0],
        re.S,
    )
    assert [year for year, _ in trend] == ["2025", "2026"]
    (_, y2025), (_, y2026) = trend
    # 2025: 92% against the 2025 target ≥ 90%: met; 2026: 93% against 2026's ≥ 91% on the
    # path to ≥ 95% in 2030: met.
    assert "92%" in y2025 and 'data-status="on_track"' in y2025 and "năm 2025: ≥ 90%" in y2025
    assert "93%" in y2026 and "+1" in y2026 and 'data-status="on_track"' in y2026
    assert "năm 2026: ≥ 91%" in y2026
    # Targets, all readings newest first, no form for an officer.
    assert re.search(r'<tr data-year="2025"><td>2025</td><td class="nowrap"[^>]*>≥ 90%</td>', page)
    ids = [int(i) for i in re.findall(r'data-reading-id="(\d+)"', page)]
    assert len(ids) == 3 and ids == sorted(ids, reverse=True)
    assert 'id="reading-form"' not in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"as_of": "2026-02-27", "value": "nhiều"}, "Giá trị phải là một số"),
        ({"as_of": "2026-02-27", "value": "1.234,5"}, "không có dấu phân cách hàng nghìn"),
        ({"as_of": "2026-02-27", "value": ""}, "Giá trị phải là một số"),
        ({"as_of": "2026-02-27", "value": "1" * 14}, "Giá trị quá lớn"),
        ({"as_of": "27/13/2026", "value": "50"}, "Ngày số liệu không hợp lệ"),
        ({"as_of": "2026-02-27", "value": "150"}, "giá trị phải từ 0 đến 100"),
        ({"as_of": "2026-03-03", "value": "50"}, "không được sau ngày hôm nay"),
        ({"as_of": "2020-12-31", "value": "50"}, "thuộc các năm của kế hoạch (2021-2030)"),
        ({"as_of": "2026-02-27", "value": "50", "note": "x" * 2001}, "dài quá 2000 ký tự"),
    ],
)
def test_bad_input_shows_the_form_again_and_writes_nothing(
    client: TestClient, org: Session, plan: SamplePlan, form: dict[str, str], message: str
) -> None:
    token = signed_in(client, org, "vp.cchc")
    r = post_reading(client, token, plan.satisfaction, **form)
    assert r.status_code == 422
    html = r.text
    error = re.search(r'<div class="error" id="reading-error" role="alert">(.*?)</div>', html, re.S)
    assert error and message in error.group(1)
    # What was typed comes back.
    assert f'name="value" required value="{form["value"]}"' in html
    assert readings(org, plan.satisfaction) == 0


def test_refusals(client: TestClient, org: Session, plan: SamplePlan) -> None:
    url = f"/ui/indicators/{plan.satisfaction}"
    # Signed out: the page and the form lead to the sign-in page, nothing written.
    assert client.get(url, follow_redirects=False).headers["location"] == f"/login?next={url}"
    r = client.post(
        f"{url}/readings", data={"as_of": "2026-02-27", "value": "50"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={url}"
    # Someone who may not record: a 403 page saying who may, no form, nothing written.
    token = signed_in(client, org, "cchc.truong")
    refused = post_reading(client, token, plan.satisfaction, as_of="2026-02-27", value="50")
    assert refused.status_code == 403
    assert "Chỉ đầu mối cải cách hành chính" in refused.text
    assert 'id="reading-form"' not in refused.text
    # Without the CSRF token: refused before anything runs.
    forged = client.post(
        f"{url}/readings",
        data={"as_of": "2026-02-27", "value": "50", "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert readings(org, plan.satisfaction) == 0
    # An indicator that does not exist.
    assert client.get("/ui/indicators/999999").status_code == 404
    assert post_reading(client, token, 999999, as_of="2026-02-27", value="50").status_code == 404


def test_english_page_for_the_administrator_who_may_record(
    client: TestClient, org: Session, plan: SamplePlan
) -> None:
    token = signed_in(client, org, "vp.admin")  # their profile language is English
    url = f"/ui/indicators/{plan.payment}"
    page = client.get(url).text
    assert '<html lang="en">' in page
    for text in (
        "Targets by year",
        '2025</td><td class="nowrap" data-label="Target">≥ 80%',
        "No readings yet.",
        "Record a reading",
        "No data yet",
        "against the 2026 target: 84%",
    ):
        assert text in page, text
    r = post_reading(client, token, plan.payment, as_of="2026-02-27", value="abc")
    assert r.status_code == 422 and "The value must be a number" in r.text
    r = post_reading(client, token, plan.payment, as_of="2026-02-27", value="100")
    page = client.get(r.headers["location"]).text
    assert "Recorded 100% as of 27/02/2026." in page and "On track" in page
    assert "entered by Quản trị hệ thống on 02/03/2026 09:00" in page
    plan_page = client.get(f"/ui/plans/{plan.id}").text
    assert "Indicators" in plan_page and "Unit of measure" in plan_page and "top 10" in plan_page
