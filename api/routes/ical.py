"""The iCalendar feed (/ical/{token}.ics): a user's open deadlines in Outlook/Google Calendar.

The token in the URL is the only credential (calendar clients cannot sign in); it is
random, per user, and revoked or rotated from /me/ical-token. An unknown token is a 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Response
from icalendar import Alarm, Calendar, Event
from sqlmodel import col, or_, select

from api.deps import NowDep, SessionDep, SettingsDep
from notifications.links import MailLinks
from workflow.calendar import local_date
from workflow.errors import NotFound
from workflow.models import User, WorkItem
from workflow.models.org import Role
from workflow.services.scope import visible_items
from workflow.states import OPEN_STATES

router = APIRouter(tags=["ical"])
MAX_EVENTS = 500


@router.get(
    "/ical/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {}},
)
def ical_feed(token: str, session: SessionDep, now: NowDep, settings: SettingsDep) -> Response:
    """All-day events on each open item's due date, with a reminder the day before."""
    user = session.exec(select(User).where(User.ical_token == token, col(User.is_active))).first()
    if user is None or not token:
        raise NotFound("unknown calendar feed")
    mine: Any = col(WorkItem.assignee_id) == user.id
    if user.role == Role.UNIT_HEAD.value:
        mine = or_(mine, col(WorkItem.lead_unit_id) == user.unit_id)
    items = session.exec(
        select(WorkItem)
        .where(visible_items(user), mine)
        .where(col(WorkItem.state).in_([s.value for s in OPEN_STATES]))
        .order_by(col(WorkItem.due_at))
        .limit(MAX_EVENTS)
    ).all()
    cal = Calendar()
    cal.add("prodid", "-//planflow//giao viec//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Hạn xử lý công việc — {user.full_name}")
    for item in items:
        day = local_date(item.due_at, tz=settings.timezone)
        event = Event()
        event.add("uid", f"work-item-{item.id}@planflow")
        event.add("summary", f"[Hạn] {item.title}")
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("dtstamp", now)
        event.add("url", MailLinks.of(settings.base_url).item(item.id or 0))
        event.add("description", f"Hạn xử lý: {item.due_at.isoformat()}")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Sắp đến hạn: {item.title}")
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
        cal.add_component(event)
    return Response(
        cal.to_ical(),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )
