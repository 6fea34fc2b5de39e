"""The report mail to the Director (and deputies, for their units): HTML with the charts
as inline images (cid:), plus a text part, both rendered from one context.

The mail is written in its recipient's language (`lang`, see `wording.py`); the layout is
one template per part for both languages, so a change of layout never forks. Only
rendering lives here; the outbox and SMTP delivery are the notifications package's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from workflow.i18n import install
from workflow.reporting.aggregate import merge
from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.wording import wording
from workflow.settings import Settings, get_settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
CID_DOMAIN = "planflow"


@dataclass(frozen=True)
class ReportMail:
    """A rendered report mail: `images` maps each Content-ID to PNG bytes."""

    subject: str
    html: str
    text: str
    images: dict[str, bytes] = field(default_factory=dict)

    def to_mime(
        self, *, sender: str, sender_name: str, recipients: Collection[str], now: datetime
    ) -> MIMEMultipart:
        """A multipart/related message (alternative text/html + inline PNGs).

        compat32 with `Header`: the default policy loses spaces when folding some
        Vietnamese subjects (docs/decisions/0005-outbox-delivery.md).
        """
        root = MIMEMultipart("related")
        root["Subject"] = Header(self.subject, "utf-8").encode()
        root["From"] = formataddr((str(Header(sender_name, "utf-8")), sender))
        root["To"] = ", ".join(recipients)
        root["Date"] = formatdate(now.timestamp(), localtime=False)
        alt = MIMEMultipart("alternative")
        alt.attach(MIMEText(self.text, "plain", "utf-8"))
        alt.attach(MIMEText(self.html, "html", "utf-8"))
        root.attach(alt)
        for cid, png in self.images.items():
            img = MIMEImage(png, "png")
            img.add_header("Content-ID", f"<{cid}>")
            img.add_header("Content-Disposition", "inline", filename=f"{cid.split('@')[0]}.png")
            root.attach(img)
        return root


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install(env)  # the templates' words: catalog messages in the reader's `lang`
    return env


def cid(name: str) -> str:
    """The Content-ID of a chart (without angle brackets, as `cid:` URLs write it)."""
    return f"{name}@{CID_DOMAIN}"


def render_mail(
    snapshot: ReportSnapshot,
    *,
    charts: dict[str, bytes],
    settings: Settings | None = None,
    unit_codes: Collection[str] | None = None,
    report_url: str | None = None,
    preferences_url: str | None = None,
    unsubscribe_url: str | None = None,
    lang: str = "vi",
) -> ReportMail:
    """Render the mail; `unit_codes` narrows units and overdue items to a deputy's units.

    `report_url` is the run's web page, `preferences_url` the notification settings page and
    `unsubscribe_url` the signed opt-out link (each left out of the mail when None).
    `lang` is the recipient's language ("vi", "en"; anything else reads Vietnamese).
    For a deputy, pass the charts of `snapshot.for_units(unit_codes)`: a chart is shown
    as given.
    """
    cfg = settings or get_settings()
    w = wording(lang)
    units = [r for r in snapshot.by_unit if unit_codes is None or r.code in unit_codes]
    overdue = [r for r in snapshot.overdue_items if unit_codes is None or r.unit_code in unit_codes]
    due_soon = [r for r in snapshot.due_soon if unit_codes is None or r.unit_code in unit_codes]
    scope_totals = snapshot.totals if unit_codes is None else merge(r.counts for r in units)
    context: dict[str, Any] = {
        "s": snapshot,
        "lang": w.lang,
        "title": w.title(snapshot),
        "agency": cfg.agency_name_text,
        "scoped": unit_codes is not None,
        "totals": scope_totals,
        "headline": w.headline(scope_totals),
        "shared_note": w.shared_note(snapshot) if unit_codes is None else None,
        # The trend is the agency's: a deputy's mail keeps to their units throughout.
        "trend_sentence": w.trend_sentence(snapshot) if unit_codes is None else None,
        "units": units,
        "overdue": overdue,
        "overdue_more": len(overdue) < snapshot.overdue_items_total and unit_codes is None,
        "due_soon": due_soon,
        "status_labels": w.status_labels,
        "cids": {name: cid(name) for name in charts},
        "fmt_date": w.day,
        "pct": w.pct,
        "report_url": report_url,
        "preferences_url": preferences_url,
        "unsubscribe_url": unsubscribe_url,
        "cutoff": w.cutoff(snapshot.cutoff_at.astimezone(ZoneInfo(cfg.timezone))),
        "weekly": snapshot.kind == "weekly",
        "working_days": w.working_days,
        "late_by": w.late_by,
        "area_name": w.area_name,
        "indicator_name": w.indicator_name,
        "indicator_target": w.indicator_target,
        "indicator_value": w.indicator_value,
    }
    env = _env()
    html = env.get_template("report_mail.html.j2").render(context)
    return ReportMail(
        subject=w.subject(snapshot, agency=cfg.agency_name_text, scoped=unit_codes is not None),
        html=html,
        text=env.get_template("report_mail.txt.j2").render(context),
        # Only the charts the HTML shows: a deputy's mail leaves the agency-wide ones out.
        images={cid(name): png for name, png in charts.items() if f"cid:{cid(name)}" in html},
    )
