"""Signing in through the province's single sign-on in chromium: the sign-in page's button,
the OpenID provider's own login page (the certified `oidc-provider` on Node, started here on
a loopback port), and back to planflow signed in as the person with that e-mail; an account
planflow does not know comes back to the sign-in page told so, signed in as nobody. At
390 px, like a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.directory_servers import free_port, oidc_env, running_oidc_provider
from tests.e2e.conftest import Site, own_site, screenshot_dir

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    work = tmp_path_factory.mktemp("oidc-e2e")
    with running_oidc_provider(work, redirect_uris=[f"{base}/login/oidc/callback"]) as issuer:
        env = oidc_env(issuer, base_url=base)
        with own_site(work / "site", extra_env=env, port=port) as s:
            yield s


def sso(page: Any, site: Site, login: str, password: str) -> None:
    page.goto(f"{site.url}/login?next=/my")
    page.click("#login-oidc")
    page.wait_for_selector("#sso-login")  # the provider's own page
    assert not page.url.startswith(site.url)
    page.fill("#sso-login", login)
    page.fill("#sso-password", password)
    page.click("#sso-submit")


def test_an_officer_signs_in_through_the_provider_login_page(browser: Any, site: Site) -> None:
    out = screenshot_dir() / "sso"
    out.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.set_default_timeout(60_000)
    page.goto(f"{site.url}/login")
    assert "Cổng một cửa" in page.inner_text("#login-oidc")
    page.screenshot(path=str(out / "login.png"), full_page=True)
    sso(page, site, "linh.sso", "linh-sso-pw")
    page.wait_for_url(f"{site.url}/my")
    assert page.inner_text("#whoami") == "Đinh Thị Linh"
    page.screenshot(path=str(out / "signed-in.png"))
    page.close()


def test_a_wrong_password_stays_at_the_provider(browser: Any, site: Site) -> None:
    page = browser.new_page(viewport=PHONE)
    page.set_default_timeout(60_000)
    sso(page, site, "linh.sso", "not-this-one")
    page.wait_for_selector("#sso-error")
    assert not page.url.startswith(site.url)
    page.close()


def test_an_account_planflow_does_not_know_is_told_so(browser: Any, site: Site) -> None:
    page = browser.new_page(viewport=PHONE)
    page.set_default_timeout(60_000)
    sso(page, site, "khach.sso", "khach-sso-pw")
    page.wait_for_selector("#login-error")
    assert page.url.startswith(f"{site.url}/login/oidc/callback")
    text = page.inner_text("#login-error")
    assert "khach@sonoivu.example.vn" in text and "chưa gắn với cán bộ nào" in text, text
    assert page.locator("#whoami").count() == 0
    page.screenshot(path=str(screenshot_dir() / "sso" / "not-linked.png"), full_page=True)
    page.close()
