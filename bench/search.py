"""Search at N items (100k by default): the search service next to the item list's query.

Issue 17 asks each view to answer in under 300 ms of server time at 100k items. This times,
in one process on the same database, `workflow.services.search.search` (20 results) and
`api.queries.list_items` (the "Công việc của tôi" page's 50 rows, the view every page
already answers with), alternating A/B, as a unit head (scope in the query) and as the
director (everything), and prints p50/p90 per call and the ratio search / list.

Run: .venv/bin/python bench/search.py [--engine postgresql|sqlite] [--items N]
PostgreSQL: schema `pf_bench_search` of the test database (PLANFLOW_TEST_DATABASE_URL),
kept between runs; SQLite: var/bench-search.db. Titles are drawn from a list of Vietnamese
plan words, so common words ("cải cách") match a large share of the items.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.rows import work_item_row  # noqa: E402
from tests.conftest import PG_BASE_URL  # noqa: E402
from workflow.db import make_engine  # noqa: E402

SCHEMA = "pf_bench_search"
WORDS = [
    "cải",
    "cách",
    "hành",
    "chính",
    "thủ",
    "tục",
    "số",
    "hóa",
    "hồ",
    "sơ",
    "chuyển",
    "đổi",
    "số",
    "dịch",
    "vụ",
    "công",
    "trực",
    "tuyến",
    "đăng",
    "ký",
    "kinh",
    "doanh",
    "kiểm",
    "soát",
    "rà",
    "soát",
    "văn",
    "bản",
    "quy",
    "phạm",
    "pháp",
    "luật",
    "tổ",
    "chức",
    "bộ",
    "máy",
    "biên",
    "chế",
    "công",
    "chức",
    "viên",
    "chức",
    "đào",
    "tạo",
    "bồi",
    "dưỡng",
    "tài",
    "chính",
    "công",
    "ngân",
    "sách",
    "đánh",
    "giá",
    "chỉ",
    "số",
    "hài",
    "lòng",
    "một",
    "cửa",
    "liên",
    "thông",
    "tuyên",
    "truyền",
    "thi",
    "đua",
    "khen",
    "thưởng",
    "lưu",
    "trữ",
]
QUERIES = ("cai cach", "so hoa ho so", "dich vu cong truc tuyen", "luu tru", "khen")


def _url(engine_name: str) -> str:
    if engine_name == "sqlite":
        (ROOT / "var").mkdir(exist_ok=True)
        return f"sqlite:///{ROOT / 'var' / 'bench-search.db'}"
    sep = "&" if "?" in PG_BASE_URL else "?"
    return f"{PG_BASE_URL}{sep}options=-csearch_path%3D{SCHEMA}"


def prepare(url: str, n_items: int) -> None:
    """Migrate, load the sample org and `n_items` items with indexed titles, once."""
    from workflow import search_index
    from workflow.migrate import upgrade
    from workflow.models import User, WorkItem
    from workflow.services.org import load_org

    if url.startswith("postgresql"):
        admin = make_engine(PG_BASE_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
        admin.dispose()
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(WorkItem)).scalar_one()
        if count >= n_items:
            engine.dispose()
            return
        if count == 0:
            load_org(session=session, text=(ROOT / "deploy/sample/org.yaml").read_text("utf-8"))
            session.commit()
        users = session.execute(select(User.id, User.unit_id)).all()
        rng = random.Random(7)
        now = datetime(2026, 3, 2, tzinfo=UTC)
        states = ["assigned", "accepted", "in_progress", "awaiting_review", "done", "rework"]
        rows: list[dict[str, Any]] = []
        for _ in range(count, n_items):
            uid, unit = rng.choice(users)
            due = now + timedelta(days=rng.randint(-60, 300))
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10))).capitalize()
            rows.append(
                work_item_row(
                    title=title,
                    state=rng.choice(states),
                    unit_id=unit,
                    user_id=uid,
                    due_at=due,
                    now=now,
                )
            )
        for start in range(0, len(rows), 5000):
            session.execute(insert(WorkItem), rows[start : start + 5000])
        session.commit()
        # Bulk inserts bypass the ORM's flush: index them as `planflow search reindex` does.
        search_index.rebuild(session=session)
        session.commit()
        if url.startswith("postgresql"):
            session.execute(text("ANALYZE"))
            session.commit()
    engine.dispose()


def timed(call: Callable[[], object], rounds: int) -> list[float]:
    out: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    url = _url(args.engine)
    started = time.perf_counter()
    prepare(url, args.items)
    print(f"{args.engine}, {args.items:,} items ready in {time.perf_counter() - started:.0f} s")

    from api.queries import ItemFilter, list_items
    from workflow.models import User
    from workflow.services.search import search
    from workflow.services.views import SortKey
    from workflow.states import OPEN_STATES

    engine = make_engine(url)
    now = datetime(2026, 3, 2, 2, tzinfo=UTC)
    print(
        f"{'who':<12} {'query':<24} {'hits':>5} {'search p50':>11} {'p90':>7} "
        f"{'list p50':>9} {'ratio':>6}"
    )
    with Session(engine) as session:
        for username in ("cchc.truong", "gd.minh"):
            user = session.execute(select(User).where(User.username == username)).scalar_one()

            def listing(user: User = user) -> object:
                return list_items(
                    session=session,
                    user=user,
                    filters=ItemFilter(states=sorted(OPEN_STATES)),
                    sort=SortKey.DUE,
                    page=1,
                    page_size=50,
                    now=now,
                    soon=now + timedelta(days=3),
                )

            for query in QUERIES:

                def searching(user: User = user, query: str = query) -> object:
                    return search(session=session, user=user, query=query, page_size=20)

                hits = len(search(session=session, user=user, query=query).hits)
                a, b = [], []
                for _ in range(args.rounds):  # A/B alternating, one call each
                    a += timed(searching, 1)
                    b += timed(listing, 1)
                s50, s90 = statistics.median(a), statistics.quantiles(a, n=10)[-1]
                l50 = statistics.median(b)
                print(
                    f"{username:<12} {query:<24} {hits:>5} {s50:>9.1f}ms {s90:>5.1f}ms "
                    f"{l50:>7.1f}ms {s50 / l50:>6.2f}"
                )
    engine.dispose()


if __name__ == "__main__":
    main()
