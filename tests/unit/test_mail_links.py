"""Every link of every mail, in both languages, opens a web page, never the JSON API.

The templates are rendered from the sample contexts of `test_notifications`; each link is
matched against the routes of the real app (`tests.mail_links`). The report mail, composed
from a frozen run, is checked the same way in tests/integration/notifications/
test_report_mail.py.
"""

from __future__ import annotations

import pytest

from notifications.contexts import COMPOSED, Kind
from notifications.links import MailLinks
from notifications.preferences import unsubscribe_url
from notifications.render import Renderer
from tests.mail_links import is_page, links_in, route_module
from tests.unit.test_notifications import SAMPLES
from workflow.settings import Settings

BASE = "https://gv.example.vn"
TEMPLATED = [k for k in Kind if k not in COMPOSED]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(base_url=BASE + "/", secret_key="k" * 40)


def test_the_scanner_tells_a_page_from_the_api() -> None:
    assert is_page(f"{BASE}/ui/items/7") and is_page(f"{BASE}/my")
    assert not is_page(f"{BASE}/items/7") and not is_page(f"{BASE}/me/notifications")
    assert route_module(f"{BASE}/items/7") == "api.routes.items"
    assert links_in('<a href="https://a.vn/x?a=1&amp;b=2">', "see https://b.vn/y.") == {
        "https://a.vn/x?a=1&b=2",
        "https://b.vn/y",
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("kind", TEMPLATED)
def test_every_link_of_every_mail_opens_a_page(settings: Settings, kind: Kind, lang: str) -> None:
    renderer = Renderer(settings)
    link = unsubscribe_url(settings=settings, user_id=3, email="a@b.vn", kind=kind.value)
    out = renderer.render(
        kind=kind,
        language=lang,
        context={"recipient_name": "Đinh Thị Linh", **SAMPLES[kind]},
        unsubscribe_url=link,
    )
    links = links_in(out.html, out.text)
    assert links, "a mail without a single link"
    not_pages = sorted(u for u in links if not is_page(u))
    assert not_pages == [], f"{kind}/{lang} links to no page: {not_pages}"
    assert all(u.startswith(BASE + "/") for u in links)
    pages = MailLinks.of(settings.base_url)
    if kind is not Kind.PASSWORD_RESET:
        assert {pages.settings, pages.my_items, link} <= links
    if "item" in SAMPLES[kind] or kind in (Kind.ESCALATION, Kind.TO_REASSIGN):
        assert pages.item(7) in links and f"{BASE}/ui/items/7" in links


def test_links_are_built_from_the_base_url_without_a_double_slash() -> None:
    pages = MailLinks.of("http://127.0.0.1:8000/")
    assert pages.item(5) == "http://127.0.0.1:8000/ui/items/5"
    assert pages.report(2) == "http://127.0.0.1:8000/ui/reports/2"
    assert pages.settings == "http://127.0.0.1:8000/ui/settings/notifications"
    assert pages.reset("t.k") == "http://127.0.0.1:8000/reset-password?token=t.k"
