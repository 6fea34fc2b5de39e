"""Plan import at scale, measured in one run on a throw-away SQLite file (embedded mode).

Prints, each against its target:
  - the sample plan: parse, first import, no-op re-import (median of rounds);
  - a generated 500-task plan: first import;
  - a generated 10k-task plan reworded (every task reworded, some moved, removed, added):
    re-import time (target < 5 s), how long the SQLite write lock was held, and the ratio to
    a 2.5k-task plan reworded the same way (linear ≈ 4);
  - a generated ~500 KB DOCX: read time (target < 5 s) and peak memory (tracemalloc);
  - issuing a 500-task plan (target < 2 s): `issue_500` below, measured once
    `workflow.services.plan_issue` exists.

Run: .venv/bin/python bench/plan_import.py [--full]   (--full: 50 sample rounds instead of 10)
The plans are generated deterministically by tests/plan_docs.py (nothing large is committed).
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.plan_docs import big_docx, big_plan  # noqa: E402
from workflow.clock import utc_now  # noqa: E402
from workflow.db import make_engine  # noqa: E402
from workflow.importer import parse_document, upsert_plan  # noqa: E402
from workflow.importer.docx_source import docx_blocks  # noqa: E402
from workflow.migrate import upgrade  # noqa: E402

SAMPLE = ROOT / "deploy" / "sample" / "ke-hoach-cchc-so-noi-vu-2021-2030.txt"
DOCX_TASKS = 19_000  # about 500 KB of Word document


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


class LockClock:
    """Time from the first write statement to the commit: how long SQLite's lock is held."""

    def __init__(self, engine: Engine) -> None:
        self.first_write: float | None = None
        self.held = 0.0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, _conn: object, _cursor: object, sql: str, *_args: object) -> None:
        if self.first_write is None and sql.lstrip().split()[0].upper() in _WRITES:
            self.first_write = time.perf_counter()

    def _commit(self, _conn: object) -> None:
        if self.first_write is not None:
            self.held = time.perf_counter() - self.first_write
            self.first_write = None


_WRITES = {"INSERT", "UPDATE", "DELETE"}


def import_text(engine: Engine, text: str, name: str) -> tuple[float, float]:
    """Parse and import `text` in one committed transaction: (wall, CPU) seconds.

    CPU time too: on a shared machine the wall clock also counts other processes."""
    start, cpu = time.perf_counter(), time.process_time()
    with Session(engine) as session:
        tree = parse_document(text.encode(), source=name)
        upsert_plan(session=session, tree=tree, now=utc_now(), source=name)
        session.commit()
    return time.perf_counter() - start, time.process_time() - cpu


def reimport_reworded(url_dir: str, tasks: int) -> tuple[float, float, float]:
    """(wall, CPU, write-lock) seconds re-importing the reworded plan over the original."""
    url = f"sqlite:///{url_dir}/reword-{tasks}.db"
    upgrade(url)
    engine = make_engine(url)
    import_text(engine, big_plan(tasks), "plan.txt")
    clock = LockClock(engine)
    wall, cpu = import_text(engine, big_plan(tasks, reworded=True), "plan.txt")
    engine.dispose()
    return wall, cpu, clock.held


def issue_500() -> float | None:
    """HOOK: seconds to issue a 500-task plan (target < 2 s), measured by the issuing
    service's own bench (`bench/plan_issue.py` `issue_figures`, a task table with units and
    deadlines); None while `workflow.services.plan_issue` does not exist."""
    path = ROOT / "bench" / "plan_issue.py"
    if importlib.util.find_spec("workflow.services.plan_issue") is None or not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_plan_issue", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return float(module.issue_figures(500)["issue"])


def main() -> None:
    rounds = 50 if "--full" in sys.argv else 10
    data = SAMPLE.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)

        def import_rolled_back() -> None:
            with Session(engine) as session:
                tree = parse_document(data, source=SAMPLE.name)
                upsert_plan(session=session, tree=tree, now=utc_now())
                session.rollback()

        parse = median_ms(lambda: parse_document(data, source=SAMPLE.name), rounds)
        first = median_ms(import_rolled_back, rounds)
        with Session(engine) as session:
            upsert_plan(
                session=session, tree=parse_document(data, source=SAMPLE.name), now=utc_now()
            )
            session.commit()
        again = median_ms(import_rolled_back, rounds)  # now against the stored plan
        plan_500, _ = import_text(engine, big_plan(500, seed=5), "plan-500.txt")
        engine.dispose()
        small, small_cpu, small_lock = reimport_reworded(tmp, 2500)
        big, big_cpu, big_lock = reimport_reworded(tmp, 10_000)
    issued = issue_500()

    word = big_docx(big_plan(DOCX_TASKS))
    start, cpu = time.perf_counter(), time.process_time()
    blocks = docx_blocks(word, source="plan.docx")
    read, read_cpu = time.perf_counter() - start, time.process_time() - cpu
    tracemalloc.start()  # a second read for memory: tracing slows the reading down
    docx_blocks(word, source="plan.docx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"sample plan, median of {rounds} runs (SQLite file):")
    print(f"  parse only        {parse:7.1f} ms")
    print(f"  first import      {first:7.1f} ms  ({first / parse:.0f}x parse)")
    print(f"  re-import (no-op) {again:7.1f} ms  ({again / parse:.0f}x parse)")
    print(f"500-task plan, first import          {plan_500:6.2f} s")
    shown = "not measured (no workflow.services.plan_issue yet)"
    print(f"500-task plan, issue                 {f'{issued:6.2f} s' if issued else shown}")
    print(
        f"reworded 2.5k-task plan, re-import   {small:6.2f} s  (CPU {small_cpu:.2f} s,"
        f" write lock {small_lock:.2f} s)"
    )
    print(
        f"reworded 10k-task plan, re-import    {big:6.2f} s  (CPU {big_cpu:.2f} s,"
        f" write lock {big_lock:.2f} s)  target < 5 s; 10k/2.5k CPU = {big_cpu / small_cpu:.1f}"
        " (linear ≈ 4)"
    )
    print(
        f"{len(word) / 1024:.0f} KB DOCX ({DOCX_TASKS} tasks), read {read:6.2f} s"
        f" (CPU {read_cpu:.2f} s), peak {peak / 2**20:.0f} MB ({len(blocks)} blocks)"
        "  target < 5 s"
    )


if __name__ == "__main__":
    main()
