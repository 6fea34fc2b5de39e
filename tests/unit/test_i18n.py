"""The message catalogs: complete for what the code and templates say (the same check as
`make i18n-check`, which fails on a gap), and the one lookup every text goes through."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from workflow import i18n
from workflow.i18n import LOCALE_DIR, catalog_path, translate, translate_in, translate_plural

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "i18n_catalogs.py"


def check(locale_dir: Path = LOCALE_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "check", "--locale-dir", str(locale_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def broken_catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the catalogs with one English msgstr emptied and one Vietnamese entry gone."""
    locale = tmp_path_factory.mktemp("locale") / "locale"
    shutil.copytree(LOCALE_DIR, locale)
    for lang, msgid in (("en", "Đăng nhập"), ("vi", "Đăng xuất")):
        path = catalog_path(lang, locale)
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang)
        if lang == "en":
            catalog[msgid].string = ""
        else:
            catalog.delete(msgid)
        with path.open("wb") as f:
            write_po(f, catalog)
    return locale


def test_the_catalogs_hold_every_message_of_the_code_in_both_languages() -> None:
    done = check()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "catalogs complete" in done.stdout


def test_the_check_fails_on_a_missing_or_untranslated_message(broken_catalogs: Path) -> None:
    done = check(broken_catalogs)
    assert done.returncode == 1
    assert "en/LC_MESSAGES/messages.po: no translation for 'Đăng nhập'" in done.stdout
    assert "vi/LC_MESSAGES/messages.po: missing 'Đăng xuất'" in done.stdout


def test_a_message_reads_in_each_language_with_its_values() -> None:
    assert translate("vi", "Đăng nhập") == "Đăng nhập"
    assert translate("en", "Đăng nhập") == "Sign in"
    assert translate("fr", "Đăng nhập") == "Đăng nhập"  # unsupported: Vietnamese
    assert translate("en", "%(day)s đã qua.", day="01/02/2026") == "01/02/2026 is in the past."
    # One Vietnamese word, two English meanings: the context tells them apart.
    assert translate_in("en", "state", "Đang thực hiện") == "In progress"
    due = "Đến hạn trong %(num)d ngày làm việc"
    assert translate_plural("en", due, due, 1) == "Due within 1 working day"
    assert translate_plural("en", due, due, 3) == "Due within 3 working days"
    assert translate_plural("vi", due, due, 3) == "Đến hạn trong 3 ngày làm việc"


@pytest.fixture
def reworded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The catalogs with two English msgstrs changed: what renders must follow."""
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, locale)
    path = catalog_path("en", locale)
    with path.open("rb") as f:
        catalog = read_po(f, locale="en")
    catalog["Đăng nhập"].string = "Log on (from the catalog)"
    catalog["Kính gửi %(recipient_name)s,"].string = "Hello %(recipient_name)s (from the catalog),"
    with path.open("wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale)
    monkeypatch.setattr(i18n, "catalog_path", lambda lang, d=locale: catalog_path(lang, d))
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


def test_a_page_renders_in_both_languages_from_the_catalogs(reworded: None) -> None:
    from api.templating import templates

    page = templates.env.get_template("login.html")
    from types import SimpleNamespace

    request = SimpleNamespace(url=SimpleNamespace(path="/login"))
    context = {"me": None, "csrf": "x", "next": "", "error": None, "notice": None}
    context["request"] = request
    en = page.render(context | {"lang": "en"})
    vi = page.render(context | {"lang": "vi"})
    assert "Log on (from the catalog)" in en and "Đăng nhập" not in en
    assert "Đăng nhập" in vi and "Log on" not in vi


def test_a_template_without_its_language_is_an_error() -> None:
    from api.templating import templates

    with pytest.raises(RuntimeError, match="without `lang`"):
        templates.env.from_string('{{ _("Đăng nhập") }}').render()


def test_a_mail_renders_in_both_languages_from_the_catalogs(reworded: None) -> None:
    """One template per mail: the reminder's words come from the catalog of its reader,
    the count picks the English plural form."""
    from datetime import UTC, datetime

    from notifications.render import Renderer
    from workflow.settings import Settings

    base = {
        "recipient_name": "Đinh Thị Linh",
        "item": {"id": 7, "title": "Báo cáo quý", "due_at": datetime(2026, 3, 20, 10, tzinfo=UTC)},
    }
    renderer = Renderer(Settings())
    vi = renderer.render(kind="reminder", language="vi", context=base | {"working_days_left": 2})
    one = renderer.render(kind="reminder", language="en", context=base | {"working_days_left": 1})
    two = renderer.render(kind="reminder", language="en", context=base | {"working_days_left": 2})
    assert "Kính gửi Đinh Thị Linh," in vi.text and "còn 2 ngày làm việc" in vi.text
    assert vi.subject == "[Nhắc việc] Báo cáo quý – hạn 20/03/2026 (còn 2 ngày làm việc)"
    assert "Hello Đinh Thị Linh (from the catalog)," in one.text
    assert "1 working day left" in one.text
    assert two.subject == "[Reminder] Báo cáo quý – due 20 Mar 2026 (2 working days left)"
    assert "Hạn xử lý" not in two.text and "Due: 20 Mar 2026" in two.text
