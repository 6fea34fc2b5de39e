"""Work items (giao việc) and everything that hangs off them: units, events, extensions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from workflow.models.types import JSONType, UTCDateTime, in_check
from workflow.priority import Priority
from workflow.states import OPEN_STATES, State

_OPEN_SQL = "state IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(OPEN_STATES)))


class RecurringSeries(SQLModel, table=True):
    """A series of work items from an RFC 5545 RRULE (e.g. the quarterly CCHC report)."""

    __tablename__ = "recurring_series"
    __table_args__ = (in_check("roll", ["forward", "backward"]),)

    id: int | None = Field(default=None, primary_key=True)
    plan_task_id: int | None = Field(default=None, foreign_key="plan_task.id")
    title: str = Field(max_length=500)
    rrule: str = Field(max_length=500)
    dtstart: date
    until: date | None = None
    # Each occurrence's due date is the rule's date; work starts `duration_working_days` earlier.
    duration_working_days: int = Field(default=10)
    lead_time_days: int = Field(default=7)
    # A rule date on a day off moves forward (Civil Code Art. 148) or, for "the last working
    # day of the month" rules, backward.
    roll: str = Field(default="forward", max_length=10)
    lead_unit_id: int = Field(foreign_key="unit.id")
    assignee_id: int = Field(foreign_key="app_user.id")
    assigner_id: int = Field(foreign_key="app_user.id")
    evidence_required: str | None = Field(default=None, sa_column=Column(Text))
    supporting_unit_ids: list[int] = Field(default_factory=list, sa_column=Column(JSONType))
    active: bool = Field(default=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WorkItem(SQLModel, table=True):
    """A piece of assigned work with a lead unit, an assignee and a deadline."""

    __tablename__ = "work_item"
    __table_args__ = (
        in_check("state", [s.value for s in State]),
        in_check("priority", [p.value for p in Priority]),
        CheckConstraint("progress_pct BETWEEN 0 AND 100", name="progress_pct"),
        UniqueConstraint("series_id", "occurrence_on", name="uq_work_item_occurrence"),
        # The item lists sort by deadline: an ordered scan stops after one page.
        Index("ix_work_item_due_at_id", "due_at", "id"),
        Index(
            "ix_work_item_next_action_open",
            "next_action_at",
            postgresql_where=text(_OPEN_SQL),
            sqlite_where=text(_OPEN_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_task_id: int | None = Field(default=None, foreign_key="plan_task.id", index=True)
    series_id: int | None = Field(default=None, foreign_key="recurring_series.id")
    occurrence_on: date | None = None
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, sa_column=Column(Text))
    state: str = Field(default=State.ASSIGNED.value, max_length=20, index=True)
    priority: str = Field(default=Priority.NORMAL.value, max_length=10)
    lead_unit_id: int = Field(foreign_key="unit.id", index=True)
    assignee_id: int = Field(foreign_key="app_user.id", index=True)
    assigner_id: int = Field(foreign_key="app_user.id")
    evidence_required: str | None = Field(default=None, sa_column=Column(Text))
    start_on: date
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    original_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Set when the due date was given as "N working days from start": recomputed on overrides.
    due_working_days: int | None = None
    paused_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Working days the due date was pushed by pauses; kept so override recomputes keep them.
    paused_working_days: int = Field(default=0)
    # The last submission for review: on-time is judged on it, not on the reviewer's speed.
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    escalation_level: int = Field(default=0)
    last_rung_sent: str | None = Field(default=None, max_length=40)
    next_action_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_on_time: bool | None = None
    late_working_days: int | None = None
    # The assignee's last progress report (báo cáo tiến độ), 0-100 %; its note is in the history.
    progress_pct: int = Field(default=0)
    progress_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    version: int = Field(default=1)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class WorkItemUnit(SQLModel, table=True):
    """A unit that supports (phối hợp) or is informed about (nhận để biết) an item."""

    __tablename__ = "work_item_unit"
    __table_args__ = (in_check("role", ["support", "inform"]),)

    work_item_id: int = Field(foreign_key="work_item.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)
    role: str = Field(max_length=10)


class WorkItemEvent(SQLModel, table=True):
    """The audit trail: one row per change of an item; only `notified_at` is ever updated."""

    __tablename__ = "work_item_event"
    __table_args__ = (
        # The relay (notifications.events) reads only events not yet turned into mail.
        Index(
            "ix_work_item_event_pending",
            "id",
            postgresql_where=text("notified_at IS NULL"),
            sqlite_where=text("notified_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    work_item_id: int = Field(foreign_key="work_item.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    action: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str | None = Field(default=None, max_length=20)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    comment: str | None = Field(default=None, sa_column=Column(Text))
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType))
    # Set once the notification relay has handled the event (mailed or nothing to say).
    notified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The request (or job run) that made the change (workflow.logs): its mails carry it.
    request_id: str | None = Field(default=None, max_length=128)


class ExtensionRequest(SQLModel, table=True):
    """A request to move the deadline (đề nghị gia hạn) and its decision."""

    __tablename__ = "extension_request"
    __table_args__ = (in_check("status", ["pending", "approved", "refused"]),)

    id: int | None = Field(default=None, primary_key=True)
    work_item_id: int = Field(foreign_key="work_item.id", index=True)
    requested_by_id: int = Field(foreign_key="app_user.id")
    requested_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    previous_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=10)
    decided_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    decision_note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Comment(SQLModel, table=True):
    """A comment or annotation (bút phê) on an item."""

    __tablename__ = "comment"

    id: int | None = Field(default=None, primary_key=True)
    work_item_id: int = Field(foreign_key="work_item.id", index=True)
    author_id: int = Field(foreign_key="app_user.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Evidence(SQLModel, table=True):
    """A file or note proving the work was done (sản phẩm / minh chứng)."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    work_item_id: int = Field(foreign_key="work_item.id", index=True)
    uploaded_by_id: int = Field(foreign_key="app_user.id")
    filename: str | None = Field(default=None, max_length=255)
    content_type: str | None = Field(default=None, max_length=120)
    size_bytes: int | None = None
    storage_path: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class IssuedTask(SQLModel, table=True):
    """A plan task's share issued as work (ban hành kế hoạch): its item or series and the
    deadline phrase it was issued with, so issuing again after an amendment knows what
    changed. One row per (task, lead unit): a task led by a group ("Các phòng chuyên môn")
    is issued once to each member unit (docs/decisions/0015-group-led-tasks.md)."""

    __tablename__ = "issued_task"
    __table_args__ = (UniqueConstraint("plan_task_id", "unit_id", name="uq_issued_task_unit"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_task_id: int = Field(foreign_key="plan_task.id", index=True)
    # The lead unit this share was issued to (the item's lead unit when it was issued).
    unit_id: int = Field(foreign_key="unit.id")
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id", index=True)
    series_id: int | None = Field(default=None, foreign_key="recurring_series.id")
    # The task's deadline phrase and the date it was read as when issued (or last moved).
    due_text: str | None = Field(default=None, max_length=255)
    due_on: date | None = None
    issued_by_id: int = Field(foreign_key="app_user.id")
    issued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
