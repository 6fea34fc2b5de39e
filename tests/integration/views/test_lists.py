"""Filters and saved views, exports and bulk actions of the item lists, on PostgreSQL and
SQLite (the services), and through the pages on PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlmodel import Session, col, select

from api.queries import due_soon_limit, item_filter, list_items
from notifications.events import relay_events
from notifications.models import Notification
from tests.integration.api.conftest import make_item, unit_coded, user_named
from workflow.errors import NotAllowed
from workflow.models import Area, Plan, PlanTask, SavedView, WorkItem, WorkItemEvent
from workflow.reporting.list_export import ExportRow, to_csv, to_xlsx
from workflow.services.views import (
    InvalidFilters,
    SortKey,
    ViewFilters,
    delete_view,
    save_view,
    saved_views,
)
from workflow.services.work_items import bulk_act
from workflow.settings import get_settings

TZ = "Asia/Ho_Chi_Minh"


def _world(db: Session, now: datetime) -> dict[str, WorkItem]:
    """Items in three units, states and deadlines; two from one plan area."""
    plan = Plan(key="kh-loc", title="Kế hoạch CCHC 2026", imported_at=now)
    db.add(plan)
    db.flush()
    area = Area(plan_id=plan.id or 0, number=2, title="Cải cách thủ tục hành chính")
    db.add(area)
    db.flush()
    task = PlanTask(plan_id=plan.id or 0, area_id=area.id or 0, key="2.1", position=0, text="TTHC")
    db.add(task)
    db.flush()
    cchc = {"lead": "CCHC", "assignee": "cchc.linh", "assigner": "cchc.truong"}
    items = {
        "late": make_item(
            db, now=now, title="Quá hạn CCHC", due_in_days=-3, state="in_progress", **cchc
        ),
        "soon": make_item(db, now=now, title="Sắp đến hạn CCHC", due_in_days=1, **cchc),
        "later": make_item(db, now=now, title="Còn lâu CCHC", due_in_days=40, **cchc),
        "done": make_item(db, now=now, title="Xong CCHC", due_in_days=5, state="done", **cchc),
        "nam": make_item(
            db,
            now=now,
            title="Việc của Nam",
            due_in_days=10,
            lead="CCHC",
            assignee="cchc.nam",
            assigner="cchc.truong",
        ),
        "tcbc": make_item(
            db,
            now=now,
            title="Việc TCBC",
            due_in_days=12,
            lead="TCBC",
            assignee="tcbc.hoa",
            assigner="tcbc.truong",
        ),
    }
    for key in ("later", "tcbc"):
        items[key].plan_task_id = task.id
        db.add(items[key])
    db.flush()
    items["_plan"], items["_area"] = plan, area  # type: ignore[assignment]
    return items


def _listed(db: Session, username: str, query: str, now: datetime) -> list[str]:
    user = user_named(db, username)
    from urllib.parse import parse_qsl

    view = ViewFilters.parse(parse_qsl(query))
    rows, _ = list_items(
        session=db,
        user=user,
        filters=item_filter(view, tz=TZ),
        sort=view.sort,
        page=1,
        page_size=100,
        now=now,
        soon=due_soon_limit(db, now=now, settings=get_settings()),
    )
    return [r.title for r in rows]


def test_filters_on_both_engines(db: Session, now: datetime) -> None:
    w = _world(db, now)
    ids = {
        "cchc": unit_coded(db, "CCHC").id,
        "nam": user_named(db, "cchc.nam").id,
        "plan": w["_plan"].id,  # type: ignore[attr-defined]
        "area": w["_area"].id,  # type: ignore[attr-defined]
    }
    open_all = ["Quá hạn CCHC", "Sắp đến hạn CCHC", "Việc của Nam", "Việc TCBC", "Còn lâu CCHC"]
    cases = {
        "": open_all,
        "state=all": [*open_all[:2], "Xong CCHC", *open_all[2:]],
        "state=done": ["Xong CCHC"],
        "state=in_progress&state=done": ["Quá hạn CCHC", "Xong CCHC"],
        "flag=overdue": ["Quá hạn CCHC"],
        "overdue=1": ["Quá hạn CCHC"],  # the unit page's old box, kept for bookmarks
        "flag=due_soon": ["Sắp đến hạn CCHC"],
        "flag=closed": ["Xong CCHC"],
        "unit={cchc}": ["Quá hạn CCHC", "Sắp đến hạn CCHC", "Việc của Nam", "Còn lâu CCHC"],
        "assignee={nam}": ["Việc của Nam"],
        "plan={plan}": ["Việc TCBC", "Còn lâu CCHC"],
        "area={area}&unit={cchc}": ["Còn lâu CCHC"],
        "sort=-due_at&unit={cchc}": [
            "Còn lâu CCHC",
            "Việc của Nam",
            "Sắp đến hạn CCHC",
            "Quá hạn CCHC",
        ],
    }
    for query, expected in cases.items():
        assert _listed(db, "gd.minh", query.format(**ids), now) == expected, query
    # The due range, inclusive, in the agency's days (dd/mm/yyyy as typed, or ISO).
    day = (now + timedelta(days=10)).astimezone().date()
    ranged = f"due_from={day:%d/%m/%Y}&due_to={day + timedelta(days=2):%Y-%m-%d}"
    assert _listed(db, "gd.minh", ranged, now) == ["Việc của Nam", "Việc TCBC"]
    # The same URL over what another person may see: an officer of CCHC sees no TCBC item.
    assert _listed(db, "cchc.linh", f"plan={ids['plan']}", now) == ["Còn lâu CCHC"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("unit=abc", ["unit"]),
        ("state=bogus", ["state"]),
        ("flag=late", ["flag"]),
        ("due_from=31/02/2026", ["due_from"]),
        ("due_from=2026-05-01&due_to=2026-04-01", ["due_to"]),
        ("sort=title&assignee=-3", ["assignee", "sort"]),
    ],
)
def test_bad_filters_are_named(query: str, fields: list[str]) -> None:
    from urllib.parse import parse_qsl

    with pytest.raises(InvalidFilters) as caught:
        ViewFilters.parse(parse_qsl(query))
    assert caught.value.fields == fields
    assert caught.value.code == "view_filter"


def test_the_url_round_trips() -> None:
    view = ViewFilters.parse(
        [
            ("state", "rework"),
            ("state", "in_progress"),
            ("flag", "overdue"),
            ("unit", "4"),
            ("due_to", "30/06/2026"),
            ("sort", "-updated_at"),
            ("unit", "4"),
            ("x", "ignored"),
        ]
    )
    again = ViewFilters.parse(
        [tuple(p.split("=")) for p in view.query_string().split("&")]  # type: ignore[misc]
    )
    assert again == view
    assert view.query_string() == (
        "unit=4&state=rework&state=in_progress&flag=overdue&due_to=2026-06-30&sort=-updated_at"
    )
    assert ViewFilters().query_string() == "" and ViewFilters().sort is SortKey.DUE


def test_saved_views_per_person(db: Session, now: datetime) -> None:
    linh, nam = user_named(db, "cchc.linh"), user_named(db, "cchc.nam")
    overdue = ViewFilters.parse({"flag": "overdue"})
    first = save_view(
        session=db, user=linh, list_name="my", name=" Quá  hạn ", filters=overdue, now=now
    )
    assert first.name == "Quá hạn" and first.query == "flag=overdue"
    again = save_view(
        session=db,
        user=linh,
        list_name="my",
        name="Quá hạn",
        filters=ViewFilters.parse({"flag": "due_soon"}),
        now=now,
    )
    assert again.id == first.id and again.query == "flag=due_soon"
    assert [v.name for v in saved_views(session=db, user=linh)] == ["Quá hạn"]
    assert saved_views(session=db, user=nam) == []
    with pytest.raises(NotAllowed):
        delete_view(session=db, user=nam, view_id=first.id or 0)
    delete_view(session=db, user=linh, view_id=first.id or 0)
    assert db.exec(select(SavedView)).all() == []


def _row(title: str) -> ExportRow:
    d = date(2026, 3, 31)
    return ExportRow(
        id=7,
        title=title,
        lead_unit="Phòng Cải cách hành chính",
        assignee="Đinh Thị Linh",
        state="Đang thực hiện",
        progress_pct=40,
        start_on=d,
        due_on=d,
        original_due_on=d,
        flag="Quá hạn",
        plan="Kế hoạch CCHC 2026",
        link="http://x/ui/items/7",
    )


def test_export_files_keep_vietnamese_and_refuse_formulas() -> None:
    rows = [_row("Số hóa hồ sơ"), _row('=HYPERLINK("http://evil","bấm")'), _row("-1+2")]
    book = openpyxl.load_workbook(
        io.BytesIO(to_xlsx(rows, lang="vi", title="Công việc", filters="Bộ lọc: flag=overdue"))
    )
    ws = book.active
    assert ws is not None
    assert ws["A4"].value == "Mã" and ws["B4"].value == "Nội dung"
    assert [ws.cell(row=r, column=2).value for r in (5, 6, 7)] == [r.title for r in rows]
    assert ws.cell(row=6, column=2).data_type == "s" and ws.cell(row=6, column=2).quotePrefix
    assert ws.cell(row=5, column=8).value == datetime(2026, 3, 31)
    data = to_csv(rows, lang="en")
    assert data.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert read[0][:3] == ["No.", "Title", "Lead unit"] or read[0][1] != "Nội dung"
    assert [r[1] for r in read[1:]] == [
        "Số hóa hồ sơ",
        '\'=HYPERLINK("http://evil","bấm")',
        "'-1+2",
    ]
    assert read[1][7] == "31/03/2026"


def test_bulk_actions_with_refusals(db: Session, now: datetime) -> None:
    w = _world(db, now)
    head = user_named(db, "cchc.truong")
    nam = user_named(db, "cchc.nam")
    by_director = make_item(
        db, now=now, title="Giám đốc giao", lead="CCHC", assignee="cchc.linh", assigner="gd.minh"
    )
    picked = [w["soon"].id, w["done"].id, w["tcbc"].id, w["nam"].id, 999_999]
    out = bulk_act(
        session=db, now=now, actor=head, item_ids=picked, action="reassign", assignee_id=nam.id
    )
    assert [(o.item_id, o.done, o.code) for o in out] == [
        (w["soon"].id, True, None),
        (w["done"].id, False, "transition"),  # a closed item cannot be reassigned
        (w["tcbc"].id, False, "not_found"),  # another unit's, not shared with CCHC
        (w["nam"].id, False, "bulk_same_assignee"),
        (999_999, False, "not_found"),
    ]
    db.refresh(w["soon"])
    assert w["soon"].assignee_id == nam.id and w["soon"].state == "assigned"
    assert db.get(WorkItem, w["done"].id).state == "done"  # type: ignore[union-attr]
    new_day = (now + timedelta(days=60)).date()
    out = bulk_act(
        session=db,
        now=now,
        actor=head,
        item_ids=[w["late"].id, w["later"].id, w["done"].id],
        action="extend",
        due_on=new_day,
        reason="Chờ văn bản hướng dẫn",
    )
    assert [(o.done, o.code) for o in out] == [(True, None), (True, None), (False, "item_closed")]
    db.refresh(w["late"])
    assert w["late"].due_at.date() >= new_day and w["late"].original_due_at < w["late"].due_at
    events = db.exec(
        select(WorkItemEvent)
        .where(WorkItemEvent.action == "due_extended")
        .order_by(col(WorkItemEvent.id))
    ).all()
    assert [e.work_item_id for e in events] == [w["late"].id, w["later"].id]
    assert events[0].comment == "Chờ văn bản hướng dẫn" and "due_at" in events[0].changes
    # Earlier than the current due date: refused, named.
    out = bulk_act(
        session=db,
        now=now,
        actor=head,
        item_ids=[w["later"].id],
        action="extend",
        due_on=now.date(),
    )
    assert out[0].code == "extension_not_later"
    # Cancel: the assigner may, not a head who did not assign it (the state table).
    out = bulk_act(
        session=db,
        now=now,
        actor=head,
        item_ids=[w["later"].id, by_director.id],
        action="cancel",
        reason="Trùng nhiệm vụ",
    )
    assert [(o.done, o.code) for o in out] == [(True, None), (False, "not_allowed")]
    assert db.get(WorkItem, by_director.id).state == "assigned"  # type: ignore[union-attr]
    # An officer directs nothing: refused on her own item, not found on a colleague's.
    linh = user_named(db, "cchc.linh")
    out = bulk_act(
        session=db,
        now=now,
        actor=linh,
        item_ids=[w["late"].id, w["nam"].id],
        action="cancel",
        reason="x",
    )
    assert [o.code for o in out] == ["not_allowed", "not_found"]
    # Mailed: the relay turns each change into outbox rows, grouped by actor and time.
    db.flush()
    relay_events(session=db, now=now, batch_size=100)
    rows = db.exec(select(Notification).where(Notification.work_item_id == w["late"].id)).all()
    assert any(r.context.get("change") == "due_extended" for r in rows)


def test_malformed_bulk_requests_change_nothing(db: Session, now: datetime) -> None:
    from workflow.errors import InvalidInput

    w = _world(db, now)
    head = user_named(db, "cchc.truong")
    for kwargs, code in [
        ({"item_ids": [], "action": "cancel", "reason": "x"}, "bulk_empty"),
        ({"item_ids": [w["soon"].id], "action": "cancel"}, "bulk_no_reason"),
        ({"item_ids": [w["soon"].id], "action": "reassign"}, "bulk_no_assignee"),
        ({"item_ids": [w["soon"].id], "action": "extend"}, "date"),
        ({"item_ids": [w["soon"].id], "action": "delete"}, "bulk_action"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            bulk_act(session=db, now=now, actor=head, **kwargs)  # type: ignore[arg-type]
        assert caught.value.code == code
    assert db.get(WorkItem, w["soon"].id).version == 1  # type: ignore[union-attr]
