"""Mail rendering, header encoding, preference arithmetic and backoff (no I/O but templates)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import StrictUndefined

from notifications.contexts import COMPOSED, CONTEXTS, Kind
from notifications.delivery import retry_delay
from notifications.message import build_message, encode_words
from notifications.preferences import (
    make_unsubscribe_token,
    next_digest_at,
    quiet_until,
    read_unsubscribe_token,
)
from notifications.render import Renderer
from workflow.errors import InvalidInput
from workflow.settings import Settings

VI_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộ"
    "ờớởỡợùúủũụừứửữựỳýỷỹỵ ĐƯ<>&\"',.:-–"
)
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SETTINGS = Settings(_env_file=None, base_url="https://gv.example.vn/")  # type: ignore[call-arg]
DUE = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)  # 17:00 in Hanoi
ITEM = {"id": 7, "title": "Báo cáo CCHC quý I <khẩn> & đúng hạn", "due_at": DUE}
SAMPLES: dict[Kind, dict[str, object]] = {
    Kind.REMINDER: {"item": ITEM, "working_days_left": 1},
    Kind.DUE_TODAY: {"item": ITEM},
    Kind.OVERDUE: {"item": ITEM, "working_days_late": 2},
    Kind.ESCALATION: {
        "level": 2,
        "unit_names": ["Phòng CCHC", "Văn phòng"],
        "items": [{**ITEM, "working_days_late": 2, "assignee_name": "Đinh Thị Linh"}],
    },
    Kind.ASSIGNED: {"item": ITEM, "assigner_name": "Mai Văn Phúc", "note": "Ưu tiên"},
    Kind.RETURNED: {"item": ITEM, "actor_name": "Đinh Thị Linh", "reason": "Không đúng chức năng"},
    Kind.REWORK: {"item": ITEM, "reviewer_name": "Mai Văn Phúc", "reason": "Bổ sung số liệu"},
    Kind.EXTENSION_DECIDED: {
        "item": ITEM,
        "approved": False,
        "decided_by_name": "Mai Văn Phúc",
        "requested_due_at": DUE + timedelta(days=10),
    },
    Kind.PASSWORD_RESET: {
        "username": "cchc.linh",
        "reset_url": "https://gv.example.vn/reset-password?token=abc.def",
        "valid_hours": 2,
    },
    Kind.AWAITING_REVIEW: {"item": ITEM, "actor_name": "Đinh Thị Linh", "note": "Đã đủ"},
    Kind.EXTENSION_REQUESTED: {
        "item": ITEM,
        "requester_name": "Đinh Thị Linh",
        "requested_due_at": DUE + timedelta(days=10),
        "reason": "Chờ số liệu",
    },
    Kind.ITEM_UPDATE: {"item": ITEM, "change": "paused", "actor_name": "Mai Văn Phúc"},
    Kind.CHASE: {"item": ITEM, "actor_name": "Mai Văn Phúc", "comment": "Khẩn trương"},
    Kind.COMMENT: {"item": ITEM, "author_name": "Cao Văn Nam", "body": "Đã gửi số liệu."},
    Kind.SUPPORT_ASSIGNED: {
        "item": ITEM,
        "unit_name": "Phòng Tổ chức biên chế",
        "assigner_name": "Mai Văn Phúc",
        "note": "Phối hợp cung cấp số liệu",
    },
    Kind.INFORMED: {"item": ITEM, "unit_name": "Văn phòng", "assigner_name": "Mai Văn Phúc"},
    Kind.SUPPORT_CLOSED: {
        "item": ITEM,
        "unit_name": "Phòng Tổ chức biên chế",
        "outcome": "cancelled",
        "actor_name": "Trần Văn Minh",
        "comment": "Không còn phù hợp",
    },
    Kind.REASSIGNED: {
        "item": ITEM,
        "actor_name": "Mai Văn Phúc",
        "new_assignee_name": "Cao Văn Nam",
    },
    Kind.DIGEST: {
        "day": date(2026, 3, 3),
        "entries": [{"kind": "reminder", "subject": "S", "item_id": 7}],
    },
    Kind.GROUPED: {
        "occasion": "morning",
        "entries": [
            {**ITEM, "kind": "overdue", "days": 2},
            {**ITEM, "id": 8, "kind": "reminder", "days": 3},
        ],
        "total": 3,
        "counts": {"overdue": 1, "reminder": 2},
        "kinds": ["overdue", "reminder"],
    },
    Kind.TO_REASSIGN: {
        "person_name": "Đinh Thị Linh",
        "reason": "moved",
        "new_unit_name": "Văn phòng",
        "items": [{**ITEM, "unit_name": "Phòng CCHC"}],
    },
    Kind.REPORT: {"report_id": 3, "report_label": "quý I năm 2026", "unit_codes": ["CCHC"]},
    Kind.MAIL_ALARM: {
        "since": datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        "error": "554 5.7.1 Relay access denied",
        "pending": 12,
        "oldest_pending_at": datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
    },
    Kind.REPLY_REFUSED: {
        "item": ITEM,
        "asked": "Đã nhận",
        "reasons": ["not_allowed_now", "evidence_too_large", "something_new"],
        "kept_as_comment": True,
    },
}
TEMPLATED = [k for k in Kind if k not in COMPOSED]


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(SETTINGS)


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(Kind) == set(CONTEXTS)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("kind", TEMPLATED)
def test_every_kind_renders_both_parts_in_both_languages(
    renderer: Renderer, kind: Kind, lang: str
) -> None:
    out = renderer.render(
        kind=kind,
        language=lang,
        context={"recipient_name": "Đinh Thị Linh", **SAMPLES[kind]},
        unsubscribe_url="https://gv.example.vn/unsubscribe/t",
    )
    assert out.subject.startswith("[") and "\n" not in out.subject
    assert out.html.startswith("<!doctype html>") and f'lang="{lang}"' in out.html
    assert "Đinh Thị Linh" in out.text and "Đinh Thị Linh" in out.html
    assert "https://gv.example.vn/unsubscribe/t" in out.text
    if "item" in SAMPLES[kind] or kind in (Kind.ESCALATION, Kind.TO_REASSIGN):
        assert "https://gv.example.vn/ui/items/7" in out.text
        assert 'href="https://gv.example.vn/ui/items/7"' in out.html
        assert "&lt;khẩn&gt; &amp; đúng hạn" in out.html and "<khẩn>" not in out.html
        assert "<khẩn> & đúng hạn" in out.text


def test_subjects_tell_the_item_and_the_deadline(renderer: Renderer) -> None:
    ctx = {"recipient_name": "Linh", **SAMPLES[Kind.REMINDER]}
    vi = renderer.render(kind="reminder", language="vi", context=ctx).subject
    en = renderer.render(kind="reminder", language="en", context=ctx).subject
    assert (
        vi
        == "[Nhắc việc] Báo cáo CCHC quý I <khẩn> & đúng hạn – hạn 20/03/2026 (còn 1 ngày làm việc)"
    )
    assert (
        en
        == "[Reminder] Báo cáo CCHC quý I <khẩn> & đúng hạn – due 20 Mar 2026 (1 working day left)"
    )
    unknown = renderer.render(kind="reminder", language="fr", context=ctx).subject
    assert unknown == vi  # unsupported language falls back to Vietnamese


@pytest.mark.parametrize(
    ("kind", "extra", "vi", "en"),
    [
        (
            Kind.SUPPORT_ASSIGNED,
            {},
            "[Phối hợp] {t} – hạn 20/03/2026",
            "[Support] {t} – due 20 Mar 2026",
        ),
        (
            Kind.INFORMED,
            {},
            "[Để biết] {t} – hạn 20/03/2026",
            "[For information] {t} – due 20 Mar 2026",
        ),
        (
            Kind.SUPPORT_CLOSED,
            {"outcome": "done"},
            "[Kết thúc phối hợp] {t} – hoàn thành",
            "[Support ended] {t} – done",
        ),
        (
            Kind.SUPPORT_CLOSED,
            {},
            "[Kết thúc phối hợp] {t} – đã hủy",
            "[Support ended] {t} – cancelled",
        ),
        (
            Kind.REASSIGNED,
            {},
            "[Giao lại] {t} – cho Cao Văn Nam",
            "[Reassigned] {t} – to Cao Văn Nam",
        ),
    ],
)
def test_unit_and_reassign_subjects(
    renderer: Renderer, kind: Kind, extra: dict[str, object], vi: str, en: str
) -> None:
    ctx = {"recipient_name": "Linh", **SAMPLES[kind], **extra}
    title = str(ITEM["title"])
    assert renderer.subject(kind=kind, language="vi", context=ctx) == vi.format(t=title)
    assert renderer.subject(kind=kind, language="en", context=ctx) == en.format(t=title)


def test_support_closed_says_done_cancelled_or_withdrawn(renderer: Renderer) -> None:
    ctx = {"recipient_name": "Linh", **SAMPLES[Kind.SUPPORT_CLOSED]}
    cancelled = renderer.render(kind=Kind.SUPPORT_CLOSED, language="vi", context=ctx)
    done = renderer.render(
        kind=Kind.SUPPORT_CLOSED, language="en", context={**ctx, "outcome": "done", "comment": None}
    )
    assert "Trần Văn Minh đã hủy nhiệm vụ sau" in cancelled.text
    assert "Ý kiến: Không còn phù hợp" in cancelled.text
    assert "Trần Văn Minh approved as done the following task" in done.text
    assert "Comment:" not in done.text
    withdrawn = {**ctx, "outcome": "withdrawn"}
    vi = renderer.render(kind=Kind.SUPPORT_CLOSED, language="vi", context=withdrawn)
    en = renderer.render(kind=Kind.SUPPORT_CLOSED, language="en", context=withdrawn)
    assert vi.subject.endswith("– đã thu hồi") and "đã thu hồi nhiệm vụ sau" in vi.text
    assert en.subject.endswith("– withdrawn") and "<strong>withdrew</strong>" in en.html
    with pytest.raises(InvalidInput):
        bad = {**ctx, "outcome": "paused"}
        renderer.render(kind=Kind.SUPPORT_CLOSED, language="vi", context=bad)


def test_long_titles_are_clipped_in_subjects_only(renderer: Renderer) -> None:
    title = "Triển khai " + "đánh giá chỉ số cải cách hành chính " * 6
    ctx = {"recipient_name": "Linh", "item": {**ITEM, "title": title}, "working_days_left": 2}
    out = renderer.render(kind="reminder", language="vi", context=ctx)
    assert "…" in out.subject and len(out.subject) < 160
    assert title.strip() in out.text


def test_templates_are_strict_and_contexts_typed(renderer: Renderer) -> None:
    assert renderer.env.undefined is StrictUndefined
    with pytest.raises(InvalidInput):
        renderer.render(
            kind="reminder", language="vi", context={"recipient_name": "x", "item": ITEM}
        )
    with pytest.raises(InvalidInput):
        renderer.render(
            kind="reminder",
            language="vi",
            context={"recipient_name": "x", "item": ITEM, "working_days_left": 1, "extra": 1},
        )
    naive = {**ITEM, "due_at": "2026-03-20T10:00:00"}
    with pytest.raises(InvalidInput):
        renderer.render(
            kind="due_today", language="vi", context={"recipient_name": "x", "item": naive}
        )


@given(
    st.text(
        alphabet=VI_LETTERS,
        max_size=160,
    )
)
def test_encoded_subjects_decode_back_identically(subject: str) -> None:
    subject = " ".join(subject.split()) or "x"
    data = build_message(
        subject=subject,
        text="t",
        html="h",
        from_name="Hệ thống",
        from_addr="a@example.vn",
        to_name="Đinh Thị Linh",
        to_addr="b@example.vn",
        message_id="<m@example.vn>",
        date_header="Mon, 02 Mar 2026 09:00:00 +0700",
    )
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    old = message_from_bytes(data, policy=policy.compat32)
    assert str(make_header(decode_header(str(old["Subject"])))) == subject
    assert str(message_from_bytes(data, policy=policy.default)["Subject"]) == subject


def test_encoded_words_respect_the_rfc_2047_length() -> None:
    folded = encode_words("Nhắc việc hạn chót " * 10)
    assert all(len(line.strip()) <= 75 for line in folded.split("\r\n"))
    assert encode_words("Plain ASCII subject") == "Plain ASCII subject"


def test_quiet_hours_wrap_midnight() -> None:
    def at(h: int, m: int = 0) -> datetime:
        return datetime(2026, 3, 2, h, m, tzinfo=HANOI).astimezone(UTC)

    assert quiet_until(now=at(22), start=21, end=7, zone=HANOI) == datetime(
        2026, 3, 3, 7, tzinfo=HANOI
    )
    assert quiet_until(now=at(3), start=21, end=7, zone=HANOI) == datetime(
        2026, 3, 2, 7, tzinfo=HANOI
    )
    assert quiet_until(now=at(12), start=21, end=7, zone=HANOI) is None
    assert quiet_until(now=at(12, 30), start=12, end=13, zone=HANOI) == datetime(
        2026, 3, 2, 13, tzinfo=HANOI
    )
    assert quiet_until(now=at(12), start=None, end=7, zone=HANOI) is None


def test_next_digest_is_today_if_ahead_else_tomorrow() -> None:
    early = datetime(2026, 3, 2, 6, 59, tzinfo=HANOI).astimezone(UTC)
    late = datetime(2026, 3, 2, 7, 0, tzinfo=HANOI).astimezone(UTC)
    assert next_digest_at(now=early, hour=7, zone=HANOI) == datetime(2026, 3, 2, 7, tzinfo=HANOI)
    assert next_digest_at(now=late, hour=7, zone=HANOI) == datetime(2026, 3, 3, 7, tzinfo=HANOI)


def test_retry_delay_grows_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    delays = [
        retry_delay(attempts=n, settings=SETTINGS, rng=rng).total_seconds() for n in range(1, 12)
    ]
    for n, d in enumerate(delays, start=1):
        ceiling = min(3600.0, 60.0 * 2 ** (n - 1))
        assert ceiling / 2 <= d <= ceiling
    assert len({round(d, 3) for d in delays}) == len(delays)


def test_unsubscribe_tokens_are_signed() -> None:
    token = make_unsubscribe_token(settings=SETTINGS, user_id=5, email="a@b", kind="reminder")
    assert read_unsubscribe_token(settings=SETTINGS, token=token).user_id == 5
    other = Settings(_env_file=None, secret_key="another-secret-key-0123456789")  # type: ignore[call-arg]
    with pytest.raises(InvalidInput):
        read_unsubscribe_token(settings=other, token=token)
    bare = make_unsubscribe_token(settings=SETTINGS, user_id=None, email="x@y.vn", kind="digest")
    assert read_unsubscribe_token(settings=SETTINGS, token=bare).email == "x@y.vn"


def test_attachments_wrap_the_message_in_multipart_mixed() -> None:
    from notifications.message import Attachment, InlineImage

    data = build_message(
        subject="Báo cáo quý I",
        text="t",
        html='<img src="cid:c1@pf">',
        from_name="Hệ thống",
        from_addr="a@example.vn",
        to_name="Trần Văn Minh",
        to_addr="b@example.vn",
        message_id="<m@example.vn>",
        date_header="Mon, 02 Mar 2026 09:00:00 +0700",
        images=[InlineImage("c1@pf", b"\x89PNG-1")],
        attachments=[
            Attachment("bao-cao.docx", "application/octet-stream", b"D" * 100),
            Attachment("Phụ lục quý I.xlsx", "application/octet-stream", b"X"),
        ],
    )
    for pol in (policy.compat32, policy.default):
        msg = message_from_bytes(data, policy=pol)
        assert msg.get_content_type() == "multipart/mixed"
        related, docx, xlsx = msg.get_payload()  # type: ignore[misc]
        assert related.get_content_type() == "multipart/related"
        assert [p.get_content_type() for p in related.walk()][1:] == [
            "multipart/alternative",
            "text/plain",
            "text/html",
            "image/png",
        ]
        assert (docx.get_filename(), docx.get_payload(decode=True)) == ("bao-cao.docx", b"D" * 100)
        assert xlsx.get_filename() == "Phụ lục quý I.xlsx"
        assert xlsx.get_content_disposition() == "attachment"


def test_a_composed_kind_needs_its_composer() -> None:
    from notifications.message import NoComposer, compose
    from notifications.models import Notification

    row = Notification(
        id=1,
        dedup_key="report:3:1",
        kind="report",
        recipient_email="gd@example.vn",
        context={"recipient_name": "Minh", "report_id": 3, "report_label": "quý I năm 2026"},
        next_attempt_at=DUE,
        created_at=DUE,
    )
    with pytest.raises(NoComposer):
        compose(row, settings=SETTINGS)


def test_a_progress_update_names_its_percentage_in_subject_and_body(renderer: Renderer) -> None:
    ctx = {"item": ITEM, "change": "progress", "actor_name": "Đinh Thị Linh", "progress": 60}
    for lang, word in (("vi", "[Tiến độ 60%]"), ("en", "[Progress 60%]")):
        out = renderer.render(
            kind=Kind.ITEM_UPDATE, language=lang, context={**ctx, "recipient_name": "A"}
        )
        assert out.subject.startswith(word)
        assert "60%" in out.text and "60%" in out.html


def test_an_english_mail_names_the_unit_in_english(renderer: Renderer) -> None:
    """The lead unit as the English pages name it; Vietnamese mails keep its own name, and a
    unit without an English name keeps it in both."""
    item = {**ITEM, "unit_name": "Ban Thi đua - Khen thưởng"}
    named = {**item, "unit_name_en": "Emulation and Commendation Board"}
    en = renderer.render(
        kind="reminder",
        language="en",
        context={"recipient_name": "Ngọc", "item": named, "working_days_left": 5},
    )
    vi = renderer.render(
        kind="reminder",
        language="vi",
        context={"recipient_name": "Ngọc", "item": named, "working_days_left": 5},
    )
    plain = renderer.render(
        kind="reminder",
        language="en",
        context={"recipient_name": "Ngọc", "item": item, "working_days_left": 5},
    )
    assert "Emulation and Commendation Board" in en.html and "Thi đua" not in en.html
    assert "Emulation and Commendation Board" in en.text
    assert "Ban Thi đua - Khen thưởng" in vi.html and "Emulation" not in vi.html
    assert "Ban Thi đua - Khen thưởng" in plain.html
    escalation = renderer.render(
        kind=Kind.ESCALATION,
        language="en",
        context={
            "recipient_name": "Minh",
            "level": 1,
            "unit_names": ["Ban Thi đua - Khen thưởng"],
            "items": [{**named, "working_days_late": 1}],
        },
    )
    assert "<td>Emulation and Commendation Board</td>" in escalation.html
    escalation = renderer.render(
        kind=Kind.ESCALATION,
        language="en",
        context={
            "recipient_name": "Minh",
            "level": 1,
            "unit_names": ["Ban Thi đua - Khen thưởng"],
            "unit_names_en": ["Emulation and Commendation Board"],
            "items": [{**named, "working_days_late": 1}],
        },
    )
    assert "Thi đua" not in escalation.html and "Thi đua" not in escalation.text
    informed = {
        "recipient_name": "Sơn",
        "item": named,
        "unit_name": "Phòng Xây dựng chính quyền",
        "unit_name_en": "Local Government Division",
        "assigner_name": "Kiều Văn Thắng",
    }
    en = renderer.render(kind=Kind.INFORMED, language="en", context=informed)
    vi = renderer.render(kind=Kind.INFORMED, language="vi", context=informed)
    assert "<strong>Local Government Division</strong>" in en.html
    assert "Phòng Xây dựng chính quyền" not in en.html + en.text
    assert "Phòng Xây dựng chính quyền" in vi.text and "Local Government" not in vi.text
