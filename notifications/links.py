"""Where a mail's links lead: the web pages people read, never the JSON API.

A mail is how most people meet planflow, and they open it on a phone, signed out: each link
goes to the HTML page of the thing the mail is about, which sends a visitor through the
sign-in page and back (`api.pages.ui.to_login`, `safe_next`). The API's own routes
(`/items/{id}`, `/me/notifications`, `/reports/{id}`) answer JSON, a 401 to a browser.

Every path a mail links to is built here, so a route that moves moves in one place;
`tests/unit/test_mail_links.py` renders every kind and checks each link against the app.
"""

from __future__ import annotations

from dataclasses import dataclass

ITEM_PAGE = "/ui/items/{id}"
MY_ITEMS_PAGE = "/my"
REPORT_PAGE = "/ui/reports/{id}"
SETTINGS_PAGE = "/ui/settings/notifications"
UNSUBSCRIBE_PAGE = "/unsubscribe/{token}"
RESET_PAGE = "/reset-password"
TEAM_PAGE = "/ui/team"
OUTBOX_PAGE = "/ui/outbox"


@dataclass(frozen=True)
class MailLinks:
    """Absolute links to the pages, from the site's public base URL."""

    base_url: str

    @classmethod
    def of(cls, base_url: str) -> MailLinks:
        return cls(base_url.rstrip("/"))

    def item(self, item_id: int) -> str:
        return self.base_url + ITEM_PAGE.format(id=int(item_id))

    def report(self, report_id: int) -> str:
        return self.base_url + REPORT_PAGE.format(id=int(report_id))

    @property
    def my_items(self) -> str:
        return self.base_url + MY_ITEMS_PAGE

    @property
    def team(self) -> str:
        """The unit page, whose "to reassign" list a head works through."""
        return self.base_url + TEAM_PAGE

    @property
    def settings(self) -> str:
        return self.base_url + SETTINGS_PAGE

    @property
    def outbox(self) -> str:
        return self.base_url + OUTBOX_PAGE

    def unsubscribe(self, token: str) -> str:
        return self.base_url + UNSUBSCRIBE_PAGE.format(token=token)

    def reset(self, token: str) -> str:
        return f"{self.base_url}{RESET_PAGE}?token={token}"
