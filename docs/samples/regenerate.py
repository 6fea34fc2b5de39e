"""Regenerate the sample report in docs/samples: DOCX, XLSX, PDF pages as PNG, mail screenshot.

    .venv/bin/python docs/samples/regenerate.py

Uses a throw-away SQLite database (embedded mode) with the demo agency of demo_data.py,
LibreOffice for DOCX → PDF, pdftoppm for the page images and Debian's chromium under
Playwright for the mail.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from demo_data import NOW, seed  # noqa: E402

from tests.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402
from workflow.db import make_engine, session_scope  # noqa: E402
from workflow.migrate import upgrade  # noqa: E402
from workflow.reporting import charts  # noqa: E402
from workflow.reporting.build import build_report  # noqa: E402
from workflow.reporting.files import file_stem, write_report  # noqa: E402
from workflow.reporting.mail import render_mail  # noqa: E402
from workflow.reporting.snapshot import ReportSnapshot  # noqa: E402
from workflow.settings import get_settings  # noqa: E402


def screenshot(html: str, images: dict[str, bytes], target: Path) -> None:
    """Chromium cannot resolve cid: URLs: inline the charts as data URIs for the picture."""
    from playwright.sync_api import sync_playwright

    for cid, png in images.items():
        html = html.replace(f"cid:{cid}", "data:image/png;base64," + base64.b64encode(png).decode())
    exe = chromium_path()
    if exe is None:
        print("mail screenshot skipped: chromium is not installed (make browser)")
        return
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 760, "height": 900})
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(target), full_page=True)
        browser.close()


def main() -> None:
    settings = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/demo.db")
        upgrade(url=f"sqlite:///{tmp}/demo.db")
        with session_scope(engine) as session:
            seed(session)
        with session_scope(engine) as session:
            run = build_report(session=session, now=NOW, kind="quarterly", period="2026Q1")
            snap = ReportSnapshot.from_json(run.snapshot)
        engine.dispose()
        written = write_report(snap, Path(tmp), settings=settings)
        stem = file_stem(snap)
        for old in HERE.glob("*.png"):
            old.unlink()
        shutil.copy(written.docx, HERE / written.docx.name)
        shutil.copy(written.xlsx, HERE / written.xlsx.name)
        if written.pdf is None:
            print(written.pdf_message)
        else:
            subprocess.run(
                ["pdftoppm", "-r", "60", "-png", str(written.pdf), str(HERE / f"{stem}-page")],
                check=True,
            )
        mail = render_mail(snap, charts=charts.render_all(snap), settings=settings)
        (HERE / "mail.html").write_text(mail.html, encoding="utf-8")
        (HERE / "mail.txt").write_text(mail.text, encoding="utf-8")
        screenshot(mail.html, mail.images, HERE / "mail.png")
    t = snap.totals
    print(
        f"{snap.period_label}: total {t.total}, done on time {t.done_on_time}, late "
        f"{t.done_late}, in progress {t.in_progress_on_time}, overdue {t.overdue}"
    )
    for path in sorted(HERE.iterdir()):
        print(f"{path.name:48} {path.stat().st_size:>9,} bytes")


if __name__ == "__main__":
    main()
