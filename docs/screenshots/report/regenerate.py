"""Render the Director's reports as an officer reads them, page by page, into PNGs.

    .venv/bin/python docs/screenshots/report/regenerate.py [--out DIR] [--keep] [--reuse]

Builds two databases under `--out`: the demo (`make run`'s set-up, reports of quý IV,
6 tháng cuối năm and năm 2026 cut on 20/12/2026) and a simulated year (`planflow simulate`,
2026, with indicator readings recorded on 30/11/2026). Each report's DOCX is converted to
PDF by LibreOffice and every page to a PNG (`pdftoppm`); every page of the demo's quarterly and
the simulated annual report, and the last page of the others, are copied here, next
to this script. `--keep` keeps the PNG folders of every page for review; `--reuse` keeps the
databases of a previous run and builds only the reports again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
BIN = ROOT / ".venv" / "bin"
PLAN = "deploy/sample/ke-hoach-cchc-so-noi-vu-2021-2030.txt"
PLAN_KEY = "cai-cach-hanh-chinh-so-noi-vu-giai-doan-2021-2030"
ANNUAL = "deploy/sample/ke-hoach-cchc-2027.docx"
ANNUAL_KEY = "cai-cach-hanh-chinh-nam-2027-cua-so-noi-vu"
REPORTS = [("quarterly", "2026Q4"), ("six_month", "2026H2"), ("annual", "2026")]
NOW = "2026-12-20T09:00+07:00"
# Readings for the simulated year: on, above and below the year's targets.
READINGS = [85.0, 40.0, 95.0, 20.0, 92.0, 75.0, 100.0, 91.0, 60.0, 100.0, 100.0, 100.0]
# The reports whose every page is copied next to this script (a quarterly from the demo, an
# annual from the simulated year); of the others only the last page.
KEEP_ALL = ("demo-quarterly-2026Q4", "sim-annual-2026")


def run(*args: str, env: dict[str, str]) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def cli(url: str, *args: str) -> None:
    run(str(BIN / "planflow"), *args, env={**os.environ, "PLANFLOW_DATABASE_URL": url})


def demo(url: str) -> None:
    cli(url, "db", "upgrade")
    cli(url, "org", "load", "deploy/sample/org.yaml")
    cli(url, "plan", "import", PLAN)
    cli(url, "plan", "units", PLAN_KEY, "deploy/sample/task-units.yaml")
    cli(url, "demo", "seed")
    cli(url, "plan", "issue", PLAN_KEY)
    cli(url, "plan", "import", ANNUAL)
    cli(url, "plan", "issue", ANNUAL_KEY)


def simulated(url: str) -> None:
    run(str(BIN / "planflow"), "simulate", "--db", url, env=dict(os.environ))
    os.environ["PLANFLOW_DATABASE_URL"] = url
    from sqlmodel import Session, select

    from workflow.db import make_engine
    from workflow.models import Indicator, User
    from workflow.services.indicators import record_reading

    engine = make_engine(url)
    with Session(engine) as session:
        actor = session.exec(select(User).where(User.role == "coordinator")).first()
        actor = actor or session.exec(select(User).where(User.role == "admin")).first()
        assert actor is not None, "the simulated agency has no coordinator"
        indicators = session.exec(select(Indicator).order_by(Indicator.id)).all()
        for indicator, value in zip(indicators, READINGS, strict=False):
            record_reading(
                session=session,
                now=datetime(2026, 12, 1, 2, tzinfo=UTC),
                actor=actor,
                indicator_id=indicator.id or 0,
                value=value if indicator.measure_unit == "%" else 8.0,
                as_of=date(2026, 11, 30),
            )
        session.commit()
    # The simulation froze its reports without the readings: build them again.
    forget_reports(url)


def forget_reports(url: str, *, keep: date | None = None) -> None:
    """Drop the frozen quarterly, 6-month and annual runs (but the one starting on `keep`,
    the demo's frozen quarter) so that they are built again."""
    from sqlmodel import Session, select

    from workflow.db import make_engine
    from workflow.models import ReportRun

    with Session(make_engine(url)) as session:
        for report in session.exec(select(ReportRun).where(ReportRun.kind != "weekly")).all():
            if report.period_start != keep:
                session.delete(report)
        session.commit()


def render(url: str, name: str, out: Path) -> list[Path]:
    folders = []
    for kind, period in REPORTS:
        folder = out / f"{name}-{kind}-{period}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        cli(
            url,
            "report",
            "build",
            "--kind",
            kind,
            "--period",
            period,
            "--out",
            str(folder),
            "--now",
            NOW,
        )
        pdf = next(folder.glob("*.pdf"))
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(folder / "page")], check=True)
        folders.append(folder)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "report-pages")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the databases, rebuild only the reports."
    )
    args = parser.parse_args()
    out: Path = args.out.resolve()
    demo_url, sim_url = f"sqlite:///{out / 'demo.db'}", f"sqlite:///{out / 'sim.db'}"
    if args.reuse:
        forget_reports(demo_url, keep=date(2026, 6, 15))
        forget_reports(sim_url)
    else:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        demo(demo_url)
        simulated(sim_url)
    folders = render(demo_url, "demo", out) + render(sim_url, "sim", out)
    for png in HERE.glob("*.png"):
        png.unlink()
    for folder in folders:
        pages = sorted(folder.glob("page-*.png"))
        print(f"{folder.name}: {len(pages)} pages", file=sys.stderr)
        if folder.name in KEEP_ALL:
            for n, page in enumerate(pages, start=1):
                shutil.copy(page, HERE / f"{folder.name}-p{n}.png")
        elif pages:
            shutil.copy(pages[-1], HERE / f"{folder.name}-last.png")
    if not args.keep:
        for folder in folders:
            for png in folder.glob("page-*.png"):
                png.unlink()


if __name__ == "__main__":
    main()
