"""The one translation lookup: Babel message catalogs for Vietnamese (primary) and English.

Every user-visible text (pages, mails, problem titles, state and action labels, report
wording) is a message whose msgid is the Vietnamese text, translated by
`workflow/locale/<lang>/LC_MESSAGES/messages.po` (docs/decisions/0014-babel-catalogs.md).
Python marks msgids with `N_()` / `NP_(context, msgid)` where they are written and
translates them with `translate(lang, msgid, **values)` where the language is known (the
names differ from gettext's so extraction never mistakes the language for a message).
Messages are %-format strings (`%(name)s`), formatted here as Jinja's newstyle gettext
formats them, so a msgid reads the same in Python and in a template.

The catalogs are read from the `.po` files once per process (no compiled `.mo` to build or
to go stale). api, notifications and reporting all translate through this module; Jinja
environments get the same lookup by `install(env)`, the language taken from the template's
`lang` variable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def language_of(value: str | None) -> str:
    """A supported language; anything else falls back to Vietnamese."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated later, where the language is known."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark `message` in `context` for extraction (translate it with `pgettext`)."""
    return message


def NN_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a counted message for extraction (translate it with `translate_plural`)."""
    return singular, plural


def catalog_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> Translations:
    """The catalog of `lang` (unsupported → Vietnamese), parsed from its `.po` once."""
    lang = language_of(lang)
    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    # Fuzzy entries are not translations yet: the check refuses them, and at run time the
    # msgid (Vietnamese) shows rather than a guess.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translate(lang: str, message: str, **values: Any) -> str:
    """`message` in `lang`, with `%(name)s` placeholders filled from `values`."""
    return translations(lang).gettext(message) % values


def translate_in(lang: str, context: str, message: str, **values: Any) -> str:
    """Like `translate`, for a msgid that needs a context to tell its meanings apart."""
    return str(translations(lang).pgettext(context, message)) % values


def translate_plural(lang: str, singular: str, plural: str, n: int, **values: Any) -> str:
    """The form of `singular`/`plural` for `n` in `lang`; `%(num)d` is `n`."""
    values.setdefault("num", n)
    return translations(lang).ngettext(singular, plural, n) % values


# A date as each language writes it: a CLDR pattern, translated like any message.
DAY_PATTERN = N_("dd/MM/yyyy")


def format_day_in(day: date, lang: str) -> str:
    """ "20/03/2026" in Vietnamese, "20 Mar 2026" in English."""
    return format_date(day, translate(lang, DAY_PATTERN), locale=language_of(lang))


def _lang(context: Context) -> str:
    lang = context.get("lang")
    if lang is None:
        # A template (or a macro imported without context) that forgot its language would
        # silently show Vietnamese to an English reader: refuse instead.
        raise RuntimeError(f"template {context.name!r} translates without `lang`")
    return language_of(str(lang))


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(_lang(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(_lang(context)).ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, ctx: str, message: str) -> str:
    return str(translations(_lang(context)).pgettext(ctx, message))


@pass_context
def _npgettext(context: Context, ctx: str, singular: str, plural: str, n: int) -> str:
    return translations(_lang(context)).npgettext(ctx, singular, plural, n)


def localized(func: Callable[..., str]) -> Callable[..., str]:
    """`func(value, lang, ...)` as a template global that takes the template's `lang`:
    `{{ state_label(item.state) }}`."""

    @pass_context
    def call(context: Context, value: Any, *args: Any) -> str:
        return func(value, _lang(context), *args)

    return call


def install(env: Environment) -> None:
    """Give `env` `_()`, `gettext`, `ngettext`, `pgettext` and `{% trans %}`, translating
    into the language of the template's `lang` variable."""
    env.add_extension("jinja2.ext.i18n")
    # `{% trans %}` blocks span lines in the source; their msgid is the text with runs of
    # whitespace as one space (babel.cfg extracts them the same way: `trimmed = true`).
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )
