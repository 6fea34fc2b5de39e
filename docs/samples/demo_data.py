"""A deterministic demo agency for the sample report: the sample org, the six CCHC areas,
about 160 work items spread over nine months, extension requests and indicators."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from workflow.models import (
    Area,
    ExtensionRequest,
    Indicator,
    IndicatorReading,
    IndicatorTarget,
    Plan,
    PlanTask,
    User,
    WorkItem,
)
from workflow.services.org import load_org

ROOT = Path(__file__).resolve().parents[2]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
AREAS = {
    1: "Cải cách thể chế",
    2: "Cải cách thủ tục hành chính",
    3: "Cải cách tổ chức bộ máy hành chính nhà nước",
    4: "Cải cách chế độ công vụ",
    5: "Cải cách tài chính công",
    6: "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
}
TASKS = {
    1: [
        "Rà soát văn bản quy phạm pháp luật",
        "Góp ý dự thảo quyết định của UBND tỉnh",
        "Kiểm tra việc thi hành pháp luật",
    ],
    2: [
        "Rà soát, đơn giản hóa thủ tục hành chính",
        "Cập nhật quy trình nội bộ giải quyết TTHC",
        "Số hóa hồ sơ, kết quả giải quyết TTHC",
    ],
    3: [
        "Thẩm định đề án vị trí việc làm",
        "Rà soát chức năng, nhiệm vụ các phòng",
        "Hướng dẫn sắp xếp đơn vị sự nghiệp",
    ],
    4: [
        "Tổ chức thi tuyển công chức",
        "Đánh giá, xếp loại công chức quý",
        "Bồi dưỡng kỹ năng cho công chức",
    ],
    5: [
        "Thực hiện cơ chế tự chủ tài chính",
        "Công khai dự toán ngân sách",
        "Rà soát định mức chi thường xuyên",
    ],
    6: [
        "Vận hành hệ thống quản lý văn bản",
        "Cung cấp dịch vụ công trực tuyến toàn trình",
        "Bảo đảm an toàn thông tin hệ thống",
    ],
}
UNITS = ["VP", "TTRA", "TCBC", "XDCQ", "CCVC", "CCHC", "TDKT", "BTG", "VTLT"]


def eod(day: date) -> datetime:
    return datetime.combine(day, time(17), tzinfo=HANOI).astimezone(UTC)


def seed(session: Session) -> None:
    """Fill an empty, migrated database."""
    load_org(session=session, text=(ROOT / "deploy/sample/org.yaml").read_text("utf-8"))
    rng = random.Random(2026)
    users = session.exec(select(User)).all()
    by_unit: dict[str, list[User]] = {}
    heads: dict[int, User] = {}
    for u in users:
        if u.role == "officer":
            by_unit.setdefault(str(u.unit_id), []).append(u)
        if u.role == "unit_head":
            heads[u.unit_id] = u
    from workflow.models import Unit

    units = {u.code: u for u in session.exec(select(Unit)).all()}
    plan = Plan(
        key="cchc-2021-2030",
        title="Kế hoạch CCHC giai đoạn 2021-2030",
        imported_at=datetime(2025, 5, 1, tzinfo=UTC),
    )
    session.add(plan)
    session.flush()
    areas = {n: Area(plan_id=plan.id or 0, number=n, title=t) for n, t in AREAS.items()}
    session.add_all(areas.values())
    session.flush()
    tasks = {}
    for n, titles in TASKS.items():
        for i, text in enumerate(titles):
            t = PlanTask(
                plan_id=plan.id or 0,
                area_id=areas[n].id or 0,
                key=f"{n}.{i}",
                position=i,
                text=text,
            )
            session.add(t)
            tasks[(n, i)] = t
    session.flush()
    start = date(2025, 6, 1)
    for k in range(160):
        n = rng.choice([1, 2, 2, 3, 4, 5, 6, 6, 6])
        i = rng.randrange(3)
        unit = units[rng.choice(UNITS)]
        officers = by_unit.get(str(unit.id)) or [heads[unit.id or 0]]
        created = start + timedelta(days=rng.randrange(280))
        due = created + timedelta(days=rng.randrange(20, 90))
        while due.weekday() >= 5:
            due += timedelta(days=1)
        today = NOW.astimezone(HANOI).date()
        state, closed, on_time = "in_progress", None, None
        if due < today:
            # Old work is mostly finished; what is still open is recently overdue.
            if rng.random() < (0.97 if due < today - timedelta(days=30) else 0.6):
                late = rng.random() < 0.25
                closed = (
                    due + timedelta(days=rng.randrange(1, 15))
                    if late
                    else due - timedelta(days=rng.randrange(0, 10))
                )
                closed = min(closed, today - timedelta(days=1))
                state, on_time = "done", closed <= due
            else:
                state = rng.choice(["in_progress", "accepted", "awaiting_review", "rework"])
        elif rng.random() < 0.2 and created < today - timedelta(days=10):
            closed = today - timedelta(days=rng.randrange(1, 8))
            state, on_time = "done", True
        else:
            state = rng.choice(["assigned", "accepted", "in_progress", "in_progress"])
        item = WorkItem(
            plan_task_id=tasks[(n, i)].id,
            title=f"{TASKS[n][i]} (đợt {k + 1})",
            state=state,
            lead_unit_id=unit.id or 0,
            assignee_id=rng.choice(officers).id or 0,
            assigner_id=heads[unit.id or 0].id or 0,
            start_on=created,
            due_at=eod(due),
            original_due_at=eod(due),
            closed_at=eod(closed) - timedelta(hours=2) if closed else None,
            closed_on_time=on_time,
            escalation_level=1 if state != "done" and due < today - timedelta(days=7) else 0,
            created_at=eod(created) - timedelta(hours=8),
            updated_at=eod(created) - timedelta(hours=8),
        )
        session.add(item)
        session.flush()
        if rng.random() < 0.12:
            session.add(
                ExtensionRequest(
                    work_item_id=item.id or 0,
                    requested_by_id=item.assignee_id,
                    requested_due_at=eod(due + timedelta(days=14)),
                    previous_due_at=eod(due),
                    reason="Chờ ý kiến phối hợp",
                    created_at=eod(due) - timedelta(days=3),
                )
            )
    coordinator = next(u for u in users if u.role == "coordinator")
    indicators = [
        (
            2,
            "Tỷ lệ hồ sơ TTHC được giải quyết đúng hạn",
            "%",
            [(2025, ">=", 95), (2030, ">=", 98)],
            [(date(2026, 1, 15), 96.2), (date(2026, 3, 10), 97.1)],
        ),
        (
            2,
            "Mức độ hài lòng của người dân, doanh nghiệp",
            "%",
            [(2025, ">=", 90), (2030, ">=", 95)],
            [(date(2026, 2, 28), 88.5)],
        ),
        (
            6,
            "Tỷ lệ dịch vụ công trực tuyến toàn trình",
            "%",
            [(2025, ">=", 80), (2030, ">=", 100)],
            [(date(2026, 3, 5), 92.0)],
        ),
        (
            6,
            "Tỷ lệ hồ sơ, kết quả giải quyết TTHC được số hóa",
            "%",
            [(2030, ">=", 100)],
            [(date(2026, 3, 12), 61.0)],
        ),
        (4, "Tỷ lệ công chức được bồi dưỡng theo tiêu chuẩn ngạch", "%", [(2030, ">=", 100)], []),
        (
            1,
            "Xếp hạng Chỉ số CCHC (PAR INDEX) của tỉnh",
            "hạng",
            [(2030, "rank<=", 10)],
            [(date(2026, 2, 10), 12)],
        ),
    ]
    for k, (area, name, unit_label, targets, readings) in enumerate(indicators):
        ind = Indicator(
            area_id=areas[area].id or 0, key=f"i{k}", name=name, measure_unit=unit_label
        )
        session.add(ind)
        session.flush()
        for year, comp, value in targets:
            text = f"top {value}" if comp == "rank<=" else f"{comp} {value}% năm {year}"
            session.add(
                IndicatorTarget(
                    indicator_id=ind.id or 0, year=year, comparator=comp, value=value, text=text
                )
            )
        for as_of, value in readings:
            session.add(
                IndicatorReading(
                    indicator_id=ind.id or 0,
                    value=value,
                    as_of=as_of,
                    recorded_by_id=coordinator.id,
                    recorded_at=eod(as_of),
                )
            )
    session.flush()
