"""The language a page is shown in: the `pf_lang` cookie, the profile, the browser.

The words themselves are messages of the Babel catalogs (`workflow.i18n`); templates say
`{{ _("...") }}`, and page code passes msgids from `api.pages.messages`.
"""

from __future__ import annotations

from fastapi import Request

from api.problems import prefers_english
from workflow.models import User

LANG_COOKIE = "pf_lang"


def language(request: Request, user: User | None = None) -> str:
    """The switch's choice (cookie), else the signed-in user's profile language, else, on a
    first visit, the browser's Accept-Language (Vietnamese unless English is preferred).

    A signed-in user's profile wins over the browser: agency PCs often run English browsers
    for people who read Vietnamese."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("vi", "en"):
        return chosen
    if user is not None:
        return "en" if user.language == "en" else "vi"
    return "en" if prefers_english(request.headers.get("accept-language")) else "vi"
