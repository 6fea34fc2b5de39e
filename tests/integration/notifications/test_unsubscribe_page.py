"""The unsubscribe page: GET only asks, POST (button or RFC 8058 one-click) opts out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from notifications.models import NotificationPreference, Suppression
from notifications.preferences import make_unsubscribe_token
from workflow import db
from workflow.models.org import User
from workflow.settings import get_settings


@pytest.fixture
def client(embedded_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("PLANFLOW_SECRET_KEY", "unsubscribe-page-test-key-0123456789")
    get_settings.cache_clear()
    from api.app import create_app

    with TestClient(create_app()) as c:
        yield c


def _user_id(username: str) -> int:
    with db.session_scope() as session:
        user = session.exec(select(User).where(User.username == username)).one()
        assert user.id is not None
        return user.id


def _linh_id() -> int:
    return _user_id("cchc.linh")


def _opted_out(user_id: int) -> list[str]:
    with db.session_scope() as session:
        pref = session.get(NotificationPreference, user_id)
        return [] if pref is None else list(pref.opted_out_kinds)


def _token(user_id: int | None, kind: str, email: str = "") -> str:
    return make_unsubscribe_token(settings=get_settings(), user_id=user_id, email=email, kind=kind)


def test_get_only_asks_and_post_opts_out(client: TestClient) -> None:
    linh = _linh_id()
    url = f"/unsubscribe/{_token(linh, 'reminder')}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Nhắc việc sắp đến hạn" in page.text
    assert f'<form method="post" action="{url}">' in page.text
    assert _opted_out(linh) == []  # a link preview fetching the URL changes nothing

    done = client.post(url)
    assert done.status_code == 200 and 'id="unsubscribe-done"' in done.text
    assert _opted_out(linh) == ["reminder"]
    assert client.post(url).status_code == 200  # twice is the same as once
    assert _opted_out(linh) == ["reminder"]


def test_one_click_post_from_a_mail_client(client: TestClient) -> None:
    linh = _linh_id()
    answer = client.post(
        f"/unsubscribe/{_token(linh, 'overdue')}",
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert _opted_out(linh) == ["overdue"]


def test_bare_address_goes_on_the_suppression_list(client: TestClient) -> None:
    token = _token(None, "report", email="Van.Thu@Sonoivu.example.vn")
    page = client.get(f"/unsubscribe/{token}")
    assert "Báo cáo định kỳ" in page.text and "Van.Thu@Sonoivu.example.vn" in page.text
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    with db.session_scope() as session:
        emails = set(session.exec(select(Suppression.email)))
    assert emails == {"van.thu@sonoivu.example.vn"}


def test_forged_link_and_escalations_are_refused(client: TestClient) -> None:
    linh = _linh_id()
    forged = _token(linh, "reminder")[:-3] + "abc"
    for answer in (client.get(f"/unsubscribe/{forged}"), client.post(f"/unsubscribe/{forged}")):
        assert answer.status_code == 400
        assert "Đường dẫn không hợp lệ" in answer.text
    escalation = f"/unsubscribe/{_token(linh, 'escalation')}"
    for answer in (client.get(escalation), client.post(escalation)):
        assert answer.status_code == 400 and "không thể tắt" in answer.text
    assert _opted_out(linh) == []


def test_every_kind_with_a_link_has_a_label_and_unit_mail_can_be_stopped(
    client: TestClient,
) -> None:
    from api.pages.unsubscribe import KIND_LABELS
    from notifications.contexts import MANDATORY, Kind
    from workflow.i18n import translate

    # A grouped mail's link names the kinds it folds in, never "grouped" itself.
    assert {k for k in Kind if k not in MANDATORY and k != Kind.GROUPED} <= set(KIND_LABELS)
    # Each label is a message with its English in the catalog.
    assert all(translate("en", label) != label for label in KIND_LABELS.values())
    linh = _linh_id()
    url = f"/unsubscribe/{_token(linh, 'support_assigned')}"
    assert "Thông báo đơn vị phối hợp thực hiện nhiệm vụ" in client.get(url).text
    assert client.post(url).status_code == 200
    assert _opted_out(linh) == ["support_assigned"]
    # The morning mail's link: its three kinds, named and stopped together.
    url = f"/unsubscribe/{_token(linh, 'overdue+due_today+reminder')}"
    assert "Thông báo quá hạn, Nhắc việc đến hạn hôm nay, Nhắc việc sắp đến hạn" in (
        client.get(url).text
    )
    assert client.post(url).status_code == 200
    assert _opted_out(linh) == ["due_today", "overdue", "reminder", "support_assigned"]


def test_the_page_speaks_the_recipients_language(client: TestClient) -> None:
    """cchc.nam reads English (profile); the language switch wins over the profile."""
    nam = _user_id("cchc.nam")
    url = f"/unsubscribe/{_token(nam, 'reminder')}"
    page = client.get(url)
    assert '<html lang="en">' in page.text
    assert "Do you want to stop receiving <strong>Reminders before the due date</strong>" in (
        page.text
    )
    assert "Ngừng nhận" not in page.text
    done = client.post(url)
    assert done.status_code == 200
    assert "You will no longer receive <strong>Reminders before the due date</strong>." in (
        done.text
    )
    assert _opted_out(nam) == ["reminder"]
    escalation = client.get(f"/unsubscribe/{_token(nam, 'escalation')}")
    assert escalation.status_code == 400
    assert "Overdue alerts to managers cannot be switched off." in escalation.text

    client.cookies.set("pf_lang", "vi")
    assert "Bạn muốn ngừng nhận thư <strong>Nhắc việc sắp đến hạn</strong>" in client.get(url).text


def test_the_switch_turns_a_vietnamese_recipients_page_english(client: TestClient) -> None:
    linh = _linh_id()
    url = f"/unsubscribe/{_token(linh, 'digest')}"
    assert "Thư tổng hợp hằng ngày" in client.get(url).text
    switched = client.get(f"/lang/en?next={url}")
    assert switched.status_code == 200 and "<strong>Daily digest</strong>" in switched.text
    forged = client.get(f"/unsubscribe/{_token(linh, 'digest')[:-3]}abc")
    assert forged.status_code == 400 and "This link is not valid" in forged.text
