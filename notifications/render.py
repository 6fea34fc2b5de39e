"""Render a notification's subject, HTML and text parts from one typed context.

Templates live in `notifications/templates/<kind>.{subject,html,txt}`, one per mail for
every language: their words are messages of the catalogs (`workflow.i18n`), translated into
the recipient's language (the `lang` variable). HTML is autoescaped, every undefined name
is an error (StrictUndefined). Dates are shown in the agency's time zone; links lead to the
web pages (`notifications.links`) under `settings.base_url`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from pydantic import BaseModel

from notifications.contexts import CONTEXTS, Kind, MailContext
from notifications.links import MailLinks
from workflow.errors import InvalidInput
from workflow.i18n import format_day_in, install
from workflow.i18n import language_of as language_of
from workflow.settings import Settings, get_settings


@dataclass(frozen=True)
class Rendered:
    """What a mail says: one subject line and two bodies from the same context."""

    subject: str
    html: str
    text: str


def parse_context(kind: str, context: dict[str, Any] | BaseModel) -> MailContext:
    """Validate `context` against the kind's model (raises InvalidInput)."""
    try:
        model = CONTEXTS[Kind(kind)]
    except ValueError as exc:
        raise InvalidInput(f"unknown notification kind {kind!r}") from exc
    if isinstance(context, model):
        return context
    raw = context.model_dump() if isinstance(context, BaseModel) else context
    try:
        return model.model_validate(raw)
    except ValueError as exc:
        raise InvalidInput(f"bad context for {kind}: {exc}") from exc


class _Environment(Environment):
    """Template globals as one plain dict rather than a ChainMap over the environment's.

    Jinja copies the globals into every render's context and checks them on every macro
    import; through a ChainMap that was a third of the time of a short template. Our
    globals are all set before the first template loads, so nothing is lost.
    """

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


class Renderer:
    """A compiled template set bound to one configuration (base URL, zone, agency)."""

    def __init__(self, settings: Settings) -> None:
        self.base_url = settings.base_url.rstrip("/")
        self.zone = ZoneInfo(settings.timezone)
        self.env = _Environment(
            loader=PackageLoader("notifications", "templates"),
            # A plain dict, never evicted: the LRU's bookkeeping ran on every include.
            cache_size=-1,
            autoescape=select_autoescape(["html"], default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        # `_()`, `ngettext`, `pgettext` in the mail's `lang`, from the catalogs.
        install(self.env)
        self.links = MailLinks.of(self.base_url)
        # Every link leads to a web page (notifications.links), never to the JSON API.
        self.env.globals.update(
            agency_name=settings.agency_name,
            sender_name=settings.mail_from_name,
            item_url=self.item_url,
            report_url=self.links.report,
            my_items_url=self.links.my_items,
            team_url=self.links.team,
            preferences_url=self.links.settings,
            outbox_url=self.links.outbox,
        )
        self.env.filters.update(day=self.format_day, when=self.format_when, clip=clip)
        self._templates: dict[tuple[str, str], Template] = {}

    def item_url(self, item_id: int) -> str:
        return self.links.item(item_id)

    def format_day(self, value: datetime | date, lang: str = "vi") -> str:
        """dd/mm/yyyy in Vietnamese; '20 Mar 2026' in English; datetimes in the agency zone."""
        day = value.astimezone(self.zone).date() if isinstance(value, datetime) else value
        return format_day_in(day, language_of(lang))

    def format_when(self, value: datetime, lang: str = "vi") -> str:
        """A moment in the agency zone: '14:05 20/03/2026' (or '14:05, 20 Mar 2026')."""
        local = value.astimezone(self.zone)
        day = self.format_day(local, lang)
        return f"{local:%H:%M}, {day}" if lang == "en" else f"{local:%H:%M} {day}"

    def _template(self, lang: str, kind: str, part: str) -> Template:
        key = (kind, part)  # one template for every language
        found = self._templates.get(key)
        if found is None:
            found = self._templates[key] = self.env.get_template(f"{kind}.{part}")
        return found

    def _vars(
        self,
        context: MailContext,
        lang: str,
        unsubscribe_url: str | None,
        reply_hint: bool = False,
    ) -> dict[str, Any]:
        # Shallow: nested models stay typed objects, so templates read `item.due_at`.
        values = {name: getattr(context, name) for name in type(context).model_fields}
        if lang == "en":
            values = _in_english(values)
        values.update(
            lang=lang, unsubscribe_url=unsubscribe_url, preheader=None, reply_hint=reply_hint
        )
        return values

    def subject(self, *, kind: str, language: str, context: dict[str, Any] | BaseModel) -> str:
        lang = language_of(language)
        ctx = parse_context(kind, context)
        text = self._template(lang, kind, "subject").render(self._vars(ctx, lang, None))
        return " ".join(text.split())

    def render(
        self,
        *,
        kind: str,
        language: str,
        context: dict[str, Any] | BaseModel,
        unsubscribe_url: str | None = None,
        thread_subject: str | None = None,
        reply_hint: bool = False,
    ) -> Rendered:
        """Render all three parts of one mail.

        With `thread_subject` (a mail in an item's conversation, docs/decisions/
        0020-mail-threads.md) that is the subject, and the kind's own subject line, which
        says what happened and how urgent it is, opens both bodies: the inbox list's
        preview shows it under the conversation's unchanging subject.

        With `reply_hint` (the mail carries a reply address, docs/decisions/
        0032-reply-by-mail.md) the footer says in one line what a reply can do, instead of
        asking not to reply.
        """
        lang = language_of(language)
        ctx = parse_context(kind, context)
        values = self._vars(ctx, lang, unsubscribe_url, reply_hint)
        subject = " ".join(self._template(lang, kind, "subject").render(values).split())
        text = self._template(lang, kind, "txt").render(values)
        if thread_subject is not None:
            values["preheader"] = subject
            text = f"{subject}\n\n{text}"
            subject = thread_subject
        return Rendered(
            subject=subject, html=self._template(lang, kind, "html").render(values), text=text
        )


def _in_english(value: Any) -> Any:
    """The mail's values as an English mail names things: each `X` that has a non-empty
    `X_en` beside it (a unit's English name) takes it, in nested items too."""
    if isinstance(value, list):
        return [_in_english(v) for v in value]
    if isinstance(value, BaseModel):
        fields = {name: getattr(value, name) for name in type(value).model_fields}
        swapped = _in_english(fields)
        return value if swapped == fields else value.model_copy(update=swapped)
    if isinstance(value, dict):
        out = {name: _in_english(v) for name, v in value.items()}
        for name, v in value.items():
            if name.endswith("_en") and v and name[:-3] in out:
                out[name[:-3]] = v
        return out
    return value


def clip(value: str, width: int = 90) -> str:
    """Shorten a long title for a subject line, on a word boundary."""
    if len(value) <= width:
        return value
    cut = value[: width - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


_RENDERERS: dict[int, tuple[Settings, Renderer]] = {}


def get_renderer(settings: Settings | None = None) -> Renderer:
    """The renderer for these settings (templates compiled once per settings object)."""
    settings = settings or get_settings()
    cached = _RENDERERS.get(id(settings))
    if cached is None or cached[0] is not settings:
        cached = _RENDERERS[id(settings)] = (settings, Renderer(settings))
    return cached[1]
