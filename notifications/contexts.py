"""Typed contexts of the mail templates, one per kind of notification.

The outbox stores a context as JSON; `CONTEXTS[kind].model_validate(row.context)` turns it
back into the typed model before rendering, so a template never meets a missing field.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Kind(StrEnum):
    """Kinds of notification; each has a subject, an HTML and a text template per language."""

    REMINDER = "reminder"  # Nhắc việc (before the due date)
    DUE_TODAY = "due_today"  # Đến hạn hôm nay
    OVERDUE = "overdue"  # Quá hạn
    ESCALATION = "escalation"  # Báo cáo quá hạn lên cấp trên
    ASSIGNED = "assigned"  # Giao việc
    RETURNED = "returned"  # Trả lại
    REWORK = "rework"  # Yêu cầu làm lại
    EXTENSION_DECIDED = "extension_decided"  # Kết quả đề nghị gia hạn
    AWAITING_REVIEW = "awaiting_review"  # Trình duyệt (to the reviewer)
    EXTENSION_REQUESTED = "extension_requested"  # Đề nghị gia hạn (to the approver)
    ITEM_UPDATE = "item_update"  # Tiếp nhận, hoàn thành, hủy, thu hồi, tạm dừng, tiếp tục
    CHASE = "chase"  # Đôn đốc
    SUPPORT_ASSIGNED = "support_assigned"  # Phối hợp thực hiện (to a supporting unit's head)
    INFORMED = "informed"  # Nhận để biết (to an informed unit's head)
    SUPPORT_CLOSED = "support_closed"  # Kết thúc phối hợp (item done or cancelled)
    REASSIGNED = "reassigned"  # Giao lại cho người khác (to the previous assignee)
    COMMENT = "comment"  # Ý kiến trao đổi (to the people on the item)
    DIGEST = "digest"  # Tổng hợp hằng ngày
    GROUPED = "grouped"  # Một thư cho một đợt: giao việc hàng loạt, nhắc việc buổi sáng
    REPORT = "report"  # Báo cáo định kỳ (rendered from its frozen snapshot at delivery)
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind name) Đặt lại mật khẩu
    TO_REASSIGN = "to_reassign"  # Cần giao lại: a person left or moved (to their former head)
    MAIL_ALARM = "mail_alarm"  # Máy chủ thư lỗi (to the administrators, once a day)
    REPLY_REFUSED = "reply_refused"  # Thư trả lời chưa được thực hiện (to its sender)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemRef(_Model):
    """The work item a mail is about; its link is built from `id` and the base URL."""

    id: int
    title: str
    due_at: AwareDatetime
    unit_name: str = ""
    assignee_name: str = ""
    # The lead unit's English name where it has one. A field `X_en` of a context is what an
    # English mail shows for `X` (notifications.render), as the English pages name units.
    unit_name_en: str = ""


class MailContext(_Model):
    """Every mail greets its recipient by name."""

    recipient_name: str


class ReminderContext(MailContext):
    item: ItemRef
    working_days_left: int = Field(ge=1)


class DueTodayContext(MailContext):
    item: ItemRef


class OverdueContext(MailContext):
    item: ItemRef
    working_days_late: int = Field(ge=0)


class EscalationItem(ItemRef):
    working_days_late: int = Field(ge=0)


class EscalationContext(MailContext):
    """Sent to the level above (unit head, deputy director, director) with the units below."""

    level: int = Field(ge=1)
    unit_names: list[str]
    items: list[EscalationItem] = Field(min_length=1)
    unit_names_en: list[str] = []  # the same units in English, where each has a name


class AssignedContext(MailContext):
    item: ItemRef
    assigner_name: str
    note: str | None = None


class ReturnedContext(MailContext):
    """An officer returned (trả lại) an item to the one who assigned it."""

    item: ItemRef
    actor_name: str
    reason: str


class ReworkContext(MailContext):
    """A reviewer asked for rework (yêu cầu làm lại)."""

    item: ItemRef
    reviewer_name: str
    reason: str


class ExtensionDecidedContext(MailContext):
    """`item.due_at` is the due date after the decision."""

    item: ItemRef
    approved: bool
    decided_by_name: str
    requested_due_at: AwareDatetime
    note: str | None = None


class AwaitingReviewContext(MailContext):
    """The assignee submitted the item for review (trình duyệt)."""

    item: ItemRef
    actor_name: str
    note: str | None = None


class ExtensionRequestedContext(MailContext):
    """Someone asks the recipient to move the due date (đề nghị gia hạn)."""

    item: ItemRef
    requester_name: str
    requested_due_at: AwareDatetime
    reason: str


ItemChange = Literal[
    "accepted",
    "approved",
    "cancelled",
    "withdrawn",
    "paused",
    "resumed",
    "progress",
    "due_moved",
]


class ItemUpdateContext(MailContext):
    """A change the recipient should know of but need not act on."""

    item: ItemRef
    change: ItemChange
    actor_name: str
    comment: str | None = None
    # With change="progress": the percentage the assignee reported.
    progress: int | None = Field(default=None, ge=0, le=100)


class ChaseContext(MailContext):
    """A superior chases the item (đôn đốc) with a comment."""

    item: ItemRef
    actor_name: str
    comment: str


class SupportAssignedContext(MailContext):
    """An item was assigned with the recipient's unit supporting it (đơn vị phối hợp).

    `unit_name` is the supporting unit the recipient heads; `item` names the lead unit.
    """

    item: ItemRef
    unit_name: str
    unit_name_en: str = ""
    assigner_name: str
    note: str | None = None


class InformedContext(MailContext):
    """An item was assigned with the recipient's unit informed of it (nhận để biết)."""

    item: ItemRef
    unit_name: str
    unit_name_en: str = ""
    assigner_name: str
    note: str | None = None


class SupportClosedContext(MailContext):
    """An item the recipient's unit supports was closed: done (hoàn thành), cancelled (hủy)
    or withdrawn by its assigner (thu hồi)."""

    item: ItemRef
    unit_name: str
    unit_name_en: str = ""
    outcome: Literal["done", "cancelled", "withdrawn"]
    actor_name: str
    comment: str | None = None


class ReassignedContext(MailContext):
    """The recipient's item was handed to another officer (giao lại); `item` names the new one."""

    item: ItemRef
    actor_name: str
    new_assignee_name: str
    comment: str | None = None


class CommentContext(MailContext):
    """Someone wrote in the item's thread (ý kiến trao đổi)."""

    item: ItemRef
    author_name: str
    body: str


class DigestEntry(_Model):
    kind: Kind
    subject: str
    item_id: int | None = None


class DigestContext(MailContext):
    day: date
    entries: list[DigestEntry] = Field(min_length=1)


GroupOccasion = Literal["morning", "bulk"]


class GroupedEntry(ItemRef):
    """One item of a grouped mail: the kind of mail it stands for and that mail's detail."""

    kind: Kind
    # Reminder: working days left; overdue: working days late.
    days: int | None = None
    # Item updates: what changed (e.g. "due_moved").
    change: str | None = None


class GroupedContext(MailContext):
    """The mails one person would get from one bulk action or one morning run, as one.

    `entries` holds at most the fold limit, most urgent first; `total` counts them all
    (the mail links to the full list when it is longer). `kinds` are the kinds folded in:
    the mail's unsubscribe link switches those off.
    """

    occasion: GroupOccasion
    actor_name: str | None = None
    entries: list[GroupedEntry] = Field(min_length=1)
    total: int = Field(ge=1)
    counts: dict[str, int]
    kinds: list[Kind] = Field(min_length=1)


class ReportContext(MailContext):
    """A periodic report: the frozen run, and the units a deputy oversees (None: all).

    Only ids travel in the outbox; the mail, its charts and the DOCX/XLSX attachments are
    rendered from the run's snapshot when the row is delivered.
    """

    report_id: int
    report_label: str
    unit_codes: list[str] | None = None


class PasswordResetContext(MailContext):
    """A signed, single-use link to choose a new password (quên mật khẩu)."""

    username: str
    reset_url: str = Field(pattern=r"^https?://")
    valid_hours: int = Field(ge=1)


class ToReassignContext(MailContext):
    """A person was deactivated or moved to another unit: their open items wait for the
    recipient (who answers for the unit they were in) to reassign them; one mail per batch."""

    person_name: str
    reason: Literal["deactivated", "moved"]
    new_unit_name: str | None = None
    items: list[ItemRef] = Field(min_length=1)


class MailAlarmContext(MailContext):
    """The mail server (or our configuration of it) has been failing since `since`; mail
    waits in the outbox (`pending` rows, the oldest `oldest_pending_at`)."""

    since: AwareDatetime
    error: str
    pending: int = Field(ge=0)
    oldest_pending_at: AwareDatetime | None = None


class ReplyRefusedContext(MailContext):
    """A reply by mail asked for what the person may not do now (or brought a file the
    upload rules refuse): the first line it asked with, the reasons' code words
    (workflow.services.mail_replies), and whether its words were kept as a comment."""

    item: ItemRef
    asked: str | None = None
    reasons: list[str] = Field(min_length=1)
    kept_as_comment: bool = False


CONTEXTS: dict[Kind, type[MailContext]] = {
    Kind.REMINDER: ReminderContext,
    Kind.DUE_TODAY: DueTodayContext,
    Kind.OVERDUE: OverdueContext,
    Kind.ESCALATION: EscalationContext,
    Kind.ASSIGNED: AssignedContext,
    Kind.RETURNED: ReturnedContext,
    Kind.REWORK: ReworkContext,
    Kind.EXTENSION_DECIDED: ExtensionDecidedContext,
    Kind.AWAITING_REVIEW: AwaitingReviewContext,
    Kind.EXTENSION_REQUESTED: ExtensionRequestedContext,
    Kind.ITEM_UPDATE: ItemUpdateContext,
    Kind.CHASE: ChaseContext,
    Kind.SUPPORT_ASSIGNED: SupportAssignedContext,
    Kind.INFORMED: InformedContext,
    Kind.SUPPORT_CLOSED: SupportClosedContext,
    Kind.REASSIGNED: ReassignedContext,
    Kind.COMMENT: CommentContext,
    Kind.DIGEST: DigestContext,
    Kind.GROUPED: GroupedContext,
    Kind.REPORT: ReportContext,
    Kind.PASSWORD_RESET: PasswordResetContext,
    Kind.TO_REASSIGN: ToReassignContext,
    Kind.MAIL_ALARM: MailAlarmContext,
    Kind.REPLY_REFUSED: ReplyRefusedContext,
}
# Kinds whose message is composed by a kind-specific composer at delivery (see
# `notifications.message.compose`), not rendered from this package's templates.
COMPOSED: frozenset[Kind] = frozenset({Kind.REPORT})

# Kinds a digest-mode user receives in the daily digest instead of one by one.
# A chase (đôn đốc) stays immediate: it is sent because waiting has already been too long.
DIGESTIBLE: frozenset[Kind] = frozenset(
    {
        Kind.REMINDER,
        Kind.DUE_TODAY,
        Kind.OVERDUE,
        Kind.ASSIGNED,
        Kind.RETURNED,
        Kind.REWORK,
        Kind.EXTENSION_DECIDED,
        Kind.AWAITING_REVIEW,
        Kind.EXTENSION_REQUESTED,
        Kind.ITEM_UPDATE,
        Kind.SUPPORT_ASSIGNED,
        Kind.INFORMED,
        Kind.SUPPORT_CLOSED,
        Kind.REASSIGNED,
        Kind.COMMENT,
    }
)
# Kinds folded into one mail per person when they come from one bulk action or one sweep
# run (docs/decisions/0021-grouped-mail.md): a manager's escalations of one morning too
# (never held for a digest, still never switched off). A chase stays one mail.
GROUPABLE: frozenset[Kind] = DIGESTIBLE | {Kind.ESCALATION}
# The morning mail's kinds, most urgent first (its sections and their order).
MORNING_KINDS: tuple[Kind, ...] = (Kind.ESCALATION, Kind.OVERDUE, Kind.DUE_TODAY, Kind.REMINDER)
# Kinds whose mail marks itself important (Outlook's red "!", Gmail's importance hints).
URGENT: frozenset[Kind] = frozenset({Kind.OVERDUE, Kind.DUE_TODAY, Kind.ESCALATION})
# Escalations to managers cannot be switched off (design: opt-out except escalations), nor
# can mail a user asked for themselves; neither carries an unsubscribe link.
# Nor can the list of a leaver's items to reassign: without it the work is nobody's.
# Nor the answer to a reply by mail: the person wrote and waits for it.
MANDATORY: frozenset[Kind] = frozenset(
    {Kind.ESCALATION, Kind.PASSWORD_RESET, Kind.MAIL_ALARM, Kind.TO_REASSIGN, Kind.REPLY_REFUSED}
)
# Sent at once whatever the preferences say: a reset link expires within hours; the answer
# to a reply by mail comes while the person still has it in mind.
IMMEDIATE: frozenset[Kind] = frozenset({Kind.PASSWORD_RESET, Kind.MAIL_ALARM, Kind.REPLY_REFUSED})


def item_id_of(context: MailContext) -> int | None:
    """The work item a context is about, if exactly one (an escalation of one item too)."""
    item = getattr(context, "item", None)
    if isinstance(item, ItemRef):
        return item.id
    if isinstance(context, EscalationContext) and len(context.items) == 1:
        return context.items[0].id
    return None


def item_of(context: MailContext) -> ItemRef | None:
    """The one work item a context is about (its title and id make the thread's subject)."""
    item = getattr(context, "item", None)
    if isinstance(item, ItemRef):
        return item
    if isinstance(context, EscalationContext) and len(context.items) == 1:
        return context.items[0]
    return None
