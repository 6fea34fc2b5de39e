"""List filters (bộ lọc) as a URL, and the views people save (chế độ xem đã lưu).

Every item list (`/my`, `/ui/team`, `GET /items`, their exports) reads its filters with one
model, `ViewFilters`, from the query string: unit, assignee, area, plan, states, deadline
flag, due range and sort. The URL is the view: it can be bookmarked, sent to a colleague
(who sees the same filters over what *they* may see) or saved under a name per person
(`SavedView`). A bad value is refused with the field it is in, never ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlmodel import Session, col, select

from workflow.dates import parse_day
from workflow.deadlines import Flag
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.models import SavedView, User
from workflow.states import OPEN_STATES, State

LISTS = ("my", "team")
ListName = Literal["my", "team"]
MAX_SAVED_VIEWS = 50
MAX_VIEW_NAME = 80


class SortKey(StrEnum):
    """The orders a list offers (a leading "-": newest/latest first)."""

    DUE = "due_at"
    DUE_DESC = "-due_at"
    UPDATED = "updated_at"
    UPDATED_DESC = "-updated_at"
    ID = "id"
    ID_DESC = "-id"


StateChoice = Literal["open", "all"] | State


class ViewFilters(BaseModel):
    """The filters of an item list, as its query string names them.

    `state` repeats (`state=in_progress&state=rework`); "open" (the default) is every open
    state, "all" every state. Dates are ISO (2026-03-31) or as people type them (31/03/2026);
    the due range is inclusive, in the agency's days.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    unit: int | None = Field(default=None, ge=1, le=2**31 - 1)
    assignee: int | None = Field(default=None, ge=1, le=2**31 - 1)
    area: int | None = Field(default=None, ge=1, le=2**31 - 1)
    plan: int | None = Field(default=None, ge=1, le=2**31 - 1)
    state: list[StateChoice] = Field(default_factory=list, max_length=12)
    flag: Flag | None = None
    due_from: date | None = None
    due_to: date | None = None
    sort: SortKey = SortKey.DUE

    @field_validator("due_from", "due_to", mode="before")
    @classmethod
    def _day(cls, value: Any) -> Any:
        if isinstance(value, str):
            day = parse_day(value)
            if day is None:
                raise ValueError(f"{value!r} is not a date (dd/mm/yyyy or yyyy-mm-dd)")
            return day
        return value

    @model_validator(mode="after")
    def _range(self) -> ViewFilters:
        if self.due_from and self.due_to and self.due_from > self.due_to:
            raise ValueError("due_from is after due_to")
        return self

    @classmethod
    def parse(cls, params: Mapping[str, str] | Iterable[tuple[str, str]]) -> ViewFilters:
        """The filters in a query string's (name, value) pairs; empty values mean "any".

        InvalidInput (code `view_filter`) names each bad field and why."""
        pairs = params.items() if isinstance(params, Mapping) else params
        data: dict[str, Any] = {}
        for name, value in pairs:
            if name == "overdue" and value.strip() not in ("", "0"):
                # The unit page's old "overdue only" box: kept for bookmarks and mail links.
                name, value = "flag", Flag.OVERDUE.value
            elif name == "show" and value.strip() == "all":
                # "Công việc của tôi"'s old "show=all".
                name = "state"
            if name not in cls.model_fields or value.strip() == "":
                continue
            if name == "state":
                data.setdefault("state", []).append(value.strip())
            else:
                data[name] = value.strip()
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidFilters(exc) from exc

    def states(self) -> list[State] | None:
        """The states to list: None for all of them. The flag "closed" widens the default
        (open items) to every state: the form sends both."""
        chosen = set(self.state) or {"open"}
        if "all" in chosen or (self.flag is Flag.CLOSED and chosen == {"open"}):
            return None
        out = {s for s in chosen if isinstance(s, State)}
        if "open" in chosen:
            out |= set(OPEN_STATES)
        return sorted(out)

    def due_bounds(self, *, tz: str) -> tuple[datetime | None, datetime | None]:
        """(due at or after, due before) as UTC instants: the due range in the agency's days."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)

        def start(day: date) -> datetime:
            return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)

        after = start(self.due_from) if self.due_from else None
        before = start(self.due_to + timedelta(days=1)) if self.due_to else None
        return after, before

    def query_string(self, **override: Any) -> str:
        """The canonical query string of these filters (defaults left out), `override`
        changing some of them."""
        values = self.model_dump() | override
        pairs: list[tuple[str, str]] = []
        for name in type(self).model_fields:
            value = values[name]
            if name == "state":
                states = [str(getattr(s, "value", s)) for s in value]
                if states != ["open"]:  # the default, as the filter form sends it
                    pairs += [("state", s) for s in states]
            elif name == "sort":
                if value != SortKey.DUE:
                    pairs.append((name, str(getattr(value, "value", value))))
            elif value is not None:
                pairs.append((name, str(getattr(value, "value", value))))
        return urlencode(pairs)

    def is_default(self) -> bool:
        return self.query_string() == ""


class InvalidFilters(InvalidInput):
    """Filters with bad values: `fields` names them (for pages to word in their language)."""

    def __init__(self, exc: ValidationError) -> None:
        self.fields = sorted({str(e["loc"][0]) if e["loc"] else "due_to" for e in exc.errors()})
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'due range'}: {e['msg']}" for e in exc.errors()
        )
        super().__init__(f"bad list filters: {detail}", code="view_filter")

    def extensions(self) -> dict[str, Any]:
        return {"fields": self.fields}


def saved_views(*, session: Session, user: User, list_name: str | None = None) -> list[SavedView]:
    """The views `user` saved (of one list, or all), by name."""
    query = select(SavedView).where(SavedView.user_id == user.id)
    if list_name is not None:
        query = query.where(SavedView.list_name == list_name)
    return list(session.exec(query.order_by(col(SavedView.name))).all())


def save_view(
    *,
    session: Session,
    user: User,
    list_name: str,
    name: str,
    filters: ViewFilters,
    now: datetime,
) -> SavedView:
    """Save the filters under `name` for `user` (a view of that name is replaced)."""
    if list_name not in LISTS:
        raise InvalidInput(f"unknown list {list_name!r}", code="view_list")
    clean = " ".join(name.split())
    if not clean:
        raise InvalidInput("a saved view needs a name", code="view_name")
    if len(clean) > MAX_VIEW_NAME:
        raise InvalidInput(
            f"a view name has at most {MAX_VIEW_NAME} characters", code="view_name_long"
        )
    existing = session.exec(
        select(SavedView).where(
            SavedView.user_id == user.id,
            SavedView.list_name == list_name,
            SavedView.name == clean,
        )
    ).first()
    if existing is None:
        if len(saved_views(session=session, user=user)) >= MAX_SAVED_VIEWS:
            raise InvalidInput(
                f"at most {MAX_SAVED_VIEWS} saved views per person", code="view_too_many"
            )
        existing = SavedView(
            user_id=user.id or 0, list_name=list_name, name=clean, query="", created_at=now
        )
    existing.query = filters.query_string()
    existing.updated_at = now
    session.add(existing)
    session.flush()
    return existing


def delete_view(*, session: Session, user: User, view_id: int) -> None:
    """Delete one of `user`'s saved views; another person's is refused (a view holds only
    filters, so its existence tells nothing)."""
    view = session.get(SavedView, view_id)
    if view is None:
        raise NotFound(f"saved view {view_id} not found")
    if view.user_id != user.id:
        raise NotAllowed(f"saved view {view_id} is another person's")
    session.delete(view)
    session.flush()
