"""Import time of the sample plan: parse vs. first import vs. re-import, measured in one run.

Run: .venv/bin/python bench/plan_import.py [--full]   (--full: 50 rounds instead of 10)
Uses a throw-away SQLite file (the embedded mode's database).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflow.clock import utc_now  # noqa: E402
from workflow.db import make_engine  # noqa: E402
from workflow.importer import parse_document, upsert_plan  # noqa: E402
from workflow.migrate import upgrade  # noqa: E402

SAMPLE = ROOT / "deploy" / "sample" / "ke-hoach-cchc-so-noi-vu-2021-2030.txt"


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


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
        engine.dispose()
    print(f"sample plan, median of {rounds} runs (SQLite file):")
    print(f"  parse only        {parse:7.1f} ms")
    print(f"  first import      {first:7.1f} ms  ({first / parse:.0f}x parse)")
    print(f"  re-import (no-op) {again:7.1f} ms  ({again / parse:.0f}x parse)")


if __name__ == "__main__":
    main()
