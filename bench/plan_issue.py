"""Issuing a 500-task plan as work: the preview, the issue (one transaction, committed) and
issuing again (nothing to create), measured in one run. Target: issue < 2 s.

Run: .venv/bin/python bench/plan_issue.py [--tasks N]
Uses a throw-away SQLite file (the embedded mode's database) with the sample organisation;
the plan is a task table (lead and supporting units named, dd/mm/yyyy deadlines next year;
every tenth task led by "Các phòng chuyên môn", one item per division: 500 tasks → 650
items).
`issue_figures` is importable (bench/plan_import.py may report it with its own figures).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.plan_docs import task_table_plan  # noqa: E402
from workflow.clock import utc_now  # noqa: E402
from workflow.db import make_engine  # noqa: E402
from workflow.importer import parse_document, upsert_plan  # noqa: E402
from workflow.migrate import upgrade  # noqa: E402
from workflow.models import Plan, Unit, User  # noqa: E402
from workflow.services.org import load_org  # noqa: E402
from workflow.services.plan_issue import issue_plan, preview_issue  # noqa: E402

ORG = ROOT / "deploy" / "sample" / "org.yaml"
AREAS = 10
GROUP_EVERY = 10  # every tenth task is led by a unit group
GROUP = "Các phòng chuyên môn"


def plan_text(tasks: int, *, year: int, units: list[str]) -> str:
    """A task-table plan of `tasks` tasks over ten areas, units and deadlines spread."""
    header = (
        "| STT | Nội dung | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian hoàn thành | Sản phẩm |"
    )
    lines = [header, "|---|---|---|---|---|---|"]
    per_area = max(1, tasks // AREAS)
    first = date(year, 1, 31)
    for n in range(tasks):
        if n % per_area == 0 and n // per_area < AREAS:
            area = n // per_area + 1
            lines.append(f"| {area}. Lĩnh vực số {area} |  |  |  |  |  |")
        lead, support = units[n % len(units)], units[(n + 3) % len(units)]
        if n % GROUP_EVERY == GROUP_EVERY - 1:
            lead, support = GROUP, "Văn phòng"
        due = (first + timedelta(days=(n * 7) % 330)).strftime("%d/%m/%Y")
        text = f"Nhiệm vụ số {n + 1}: triển khai nội dung cải cách hành chính mục {n + 1}"
        lines.append(f"| {n + 1} | {text} | {lead} | {support} | {due} | Báo cáo {n + 1} |")
    return task_table_plan(number="99/KH-SNV", title=f"Cải cách hành chính năm {year}", rows=lines)


def issue_figures(tasks: int = 500) -> dict[str, float]:
    """Seconds to preview, issue (committed) and issue again a `tasks`-task plan (and
    `items`, how many items issuing creates)."""
    now = utc_now()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            load_org(session=session, text=ORG.read_text(encoding="utf-8"))
            session.commit()
            all_units = session.exec(select(Unit)).all()
            units = [u.name for u in all_units if not u.is_board]
            divisions = sum(1 for u in all_units if u.kind == "division")
            text = plan_text(tasks, year=now.year + 1, units=units)
            tree = parse_document(text.encode(), source="bench.md")
            result = upsert_plan(session=session, tree=tree, now=now, source="bench.md")
            session.commit()
            plan_id = result.plan_id or 0
            actor = session.exec(select(User).where(User.username == "vp.cchc")).one()
            assert session.get(Plan, plan_id) is not None
        figures: dict[str, float] = {}
        with Session(engine) as session:
            start = time.perf_counter()
            preview = preview_issue(session=session, plan_id=plan_id, now=now)
            figures["preview"] = time.perf_counter() - start
            grouped = tasks // GROUP_EVERY
            items = tasks - grouped + grouped * divisions
            figures["items"] = items
            assert preview.counts()["create"] == items, preview.counts()
            assert preview.task_counts()["create"] == tasks
        with Session(engine) as session:
            actor = session.exec(select(User).where(User.username == "vp.cchc")).one()
            start, cpu = time.perf_counter(), time.process_time()
            done = issue_plan(session=session, plan_id=plan_id, actor=actor, now=now)
            session.commit()
            figures["issue"] = time.perf_counter() - start
            # CPU time too: on a shared machine the wall clock also counts other processes.
            figures["issue_cpu"] = time.process_time() - cpu
            assert len(done.created_item_ids) == items
        with Session(engine) as session:
            actor = session.exec(select(User).where(User.username == "vp.cchc")).one()
            start, cpu = time.perf_counter(), time.process_time()
            again = issue_plan(session=session, plan_id=plan_id, actor=actor, now=now)
            session.commit()
            figures["again"] = time.perf_counter() - start
            figures["again_cpu"] = time.process_time() - cpu
            assert again.created_item_ids == []
        engine.dispose()
    return figures


def main() -> None:
    tasks = int(sys.argv[sys.argv.index("--tasks") + 1]) if "--tasks" in sys.argv else 500
    f = issue_figures(tasks)
    print(
        f"issue a {tasks}-task plan, {f['items']:.0f} items (SQLite file, sample organisation;"
        f" every {GROUP_EVERY}th task led by {GROUP!r}):"
    )
    print(f"  preview            {f['preview'] * 1000:7.0f} ms")
    print(
        f"  issue (committed)  {f['issue'] * 1000:7.0f} ms  (CPU {f['issue_cpu'] * 1000:.0f} ms;"
        " target < 2000 ms)"
    )
    print(f"  issue again (0 new){f['again'] * 1000:7.0f} ms  (CPU {f['again_cpu'] * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
