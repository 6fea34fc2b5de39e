"""Plan import stays linear: counted work (comparisons, SQL statements), never timed.

Speed targets live in bench/plan_import.py; these tests catch a quadratic step coming back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from tests.plan_docs import big_plan
from workflow.importer import parse_document, upsert_plan
from workflow.importer.match import MatchStats, TaskRef, pair_tasks
from workflow.importer.tree import PlanTree, TaskNode


def _refs(tree: PlanTree) -> list[TaskRef]:
    out: list[TaskRef] = []

    def walk(area: int, nodes: list[TaskNode], parent: int | None) -> None:
        for i, node in enumerate(nodes):
            out.append(TaskRef(area=area, parent=parent, text=node.text, position=i))
            walk(area, node.children, len(out) - 1)

    for a in tree.areas:
        walk(a.number, a.tasks, None)
    return out


def _comparisons(tasks: int) -> tuple[int, int]:
    """(similarity comparisons, tasks paired) for re-importing the reworded plan."""
    old = _refs(parse_document(big_plan(tasks).encode(), source="p.md"))
    new = _refs(parse_document(big_plan(tasks, reworded=True).encode(), source="p.md"))
    stats = MatchStats()
    pairs = pair_tasks(old, new, stats=stats)
    return stats.comparisons, len(pairs)


def test_pairing_a_reworded_plan_compares_linearly_and_keeps_every_reworded_task() -> None:
    small, small_paired = _comparisons(1000)
    big, big_paired = _comparisons(4000)
    # Every task is reworded, 1 in 100 removed: all others keep their identity.
    assert (small_paired, big_paired) == (990, 3960)
    # Linear is 4x; comparing all pairs within an area would be far above (≥ 16x here).
    assert big <= 5 * small, (small, big)
    assert big <= 12 * 4000  # a bounded number of candidates per task


def test_reimport_issues_the_same_number_of_sql_statements_at_4x_the_tasks(
    session: Session, now: datetime
) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(sql)

    def reimport(tasks: int, key: str) -> int:
        first = parse_document(big_plan(tasks, seed=tasks).encode(), source="p.md")
        upsert_plan(session=session, tree=first, now=now, key=key)
        again = parse_document(big_plan(tasks, seed=tasks, reworded=True).encode(), source="p.md")
        statements.clear()
        connection = session.connection()
        event.listen(connection, "before_cursor_execute", count)
        try:
            result = upsert_plan(session=session, tree=again, now=now + timedelta(days=1), key=key)
        finally:
            event.remove(connection, "before_cursor_execute", count)
        assert len(result.withdrawn) == tasks // 100
        return len(statements)

    small, big = reimport(150, "small"), reimport(600, "big")
    # Set-based writes: the statement count does not grow with the tasks.
    assert big <= small + 2, (small, big)
