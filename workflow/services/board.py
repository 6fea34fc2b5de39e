"""The unit board (bảng công việc của đơn vị): a unit's items in columns by state, and moving
a card from one column to another through the state table.

Columns are the states of `workflow.states.State` in the table's order; a card lists the
columns it may move to for the person looking (`workflow.states.move_action`, from `RULES`),
so the board offers exactly what the item page's buttons offer. Moving runs the same
service as the buttons (`work_items.act`); a move that needs a reason, evidence the item
lacks or another person (giao lại) is not taken here: the caller opens the item page's form.

Which items: those led by the unit that the person may see (`scope.visible_items`: an
officer sees their own and those their unit supports, never the rest of the unit's), open
ones and those closed in the last `CLOSED_DAYS` days. The deadline flag is
`workflow.deadlines.flag_of`, the one rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_
from sqlmodel import Session, col, select

from workflow.calendar import load_calendar
from workflow.deadlines import Flag, due_soon_until, flag_of
from workflow.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from workflow.models.org import Unit, User
from workflow.models.plan import Area, PlanTask
from workflow.models.work import Evidence, WorkItem
from workflow.reporting.dashboard import units_in, work_scope
from workflow.services.scope import get_visible_item, visible_items
from workflow.services.stand_ins import standing_in_for
from workflow.services.work_items import act, actor_relations
from workflow.settings import Settings
from workflow.states import (
    CLOSED_STATES,
    OPEN_STATES,
    RULES,
    Action,
    ActorRelation,
    State,
    move_action,
    move_exists,
)

# The columns: the table's states in its order, the work's states first, then the closed ones.
COLUMNS: tuple[State, ...] = tuple(
    [s for s in State if s in OPEN_STATES] + [s for s in State if s in CLOSED_STATES]
)
# Closed cards stay on the board this long after closing (then the lists keep them).
CLOSED_DAYS = 30
# More cards than this: the board says so and shows the most urgent.
CARD_LIMIT = 400


class Swimlane(StrEnum):
    """How the board's rows are cut."""

    NONE = "none"
    ASSIGNEE = "assignee"  # người xử lý
    AREA = "area"  # lĩnh vực của kế hoạch


@dataclass(frozen=True)
class Move:
    """A column a card may move to, the action that moves it and what that action needs."""

    target: State
    action: Action
    needs_form: bool  # a reason, evidence the item lacks, or a person (giao lại)


@dataclass(frozen=True)
class Card:
    id: int
    title: str
    state: State
    flag: Flag
    due_at: datetime
    version: int
    assignee_id: int
    assignee: str
    area_id: int | None
    area: str  # "2. Cải cách thủ tục hành chính", "" outside any plan
    progress_pct: int
    moves: tuple[Move, ...]


@dataclass
class Lane:
    """One swimlane: its cards per state (every column present, maybe empty)."""

    key: str
    label: str
    cells: dict[State, list[Card]] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    state: State
    count: int  # WIP: the cards in this column across lanes
    closed: bool


@dataclass(frozen=True)
class Board:
    unit: Unit
    columns: list[Column]
    lanes: list[Lane]
    swimlane: Swimlane
    truncated: bool
    total: int


def board_units(*, session: Session, user: User) -> list[Unit]:
    """The units whose board `user` may open: those they answer for (`work_scope`), else
    their own unit (where they see their own items and those it supports)."""
    scope = work_scope(session=session, user=user)
    if scope.manages:
        return [u for u in units_in(session=session, scope=scope) if u.id is not None]
    own = session.get(Unit, user.unit_id)
    return [own] if own is not None and user.is_active else []


def _has_evidence(session: Session, item_ids: list[int]) -> set[int]:
    if not item_ids:
        return set()
    rows = session.exec(
        select(Evidence.work_item_id).where(col(Evidence.work_item_id).in_(item_ids)).distinct()
    ).all()
    return set(rows)


def card_moves(
    state: State, relations: frozenset[ActorRelation], *, has_evidence: bool
) -> tuple[Move, ...]:
    """The columns a card in `state` may move to for these relations, in column order."""
    moves = []
    for target in COLUMNS:
        action = move_action(state, target, relations)
        if action is None:
            continue
        rule = RULES[(state, action)]
        needs = (
            rule.needs_comment
            or (rule.needs_evidence and not has_evidence)
            or action == Action.REASSIGN
        )
        moves.append(Move(target, action, needs))
    return tuple(moves)


def unit_board(
    *,
    session: Session,
    user: User,
    unit_id: int,
    now: datetime,
    settings: Settings,
    swimlane: Swimlane = Swimlane.NONE,
) -> Board:
    """The board of `unit_id` as `user` sees it now (NotFound: not one of `board_units`)."""
    unit = next((u for u in board_units(session=session, user=user) if u.id == unit_id), None)
    if unit is None:
        raise NotFound(f"no board of unit {unit_id} for {user.username}")
    closed_values = [s.value for s in CLOSED_STATES]
    rows = session.exec(
        select(WorkItem, PlanTask.area_id)
        .outerjoin(PlanTask, col(PlanTask.id) == col(WorkItem.plan_task_id))
        .where(
            col(WorkItem.lead_unit_id) == unit_id,
            visible_items(user),
            or_(
                col(WorkItem.state).in_([s.value for s in OPEN_STATES]),
                (col(WorkItem.state).in_(closed_values))
                & (col(WorkItem.closed_at) >= now - timedelta(days=CLOSED_DAYS)),
            ),
        )
        .order_by(col(WorkItem.due_at), col(WorkItem.id))
        .limit(CARD_LIMIT + 1)
    ).all()
    truncated = len(rows) > CARD_LIMIT
    rows = rows[:CARD_LIMIT]
    items = [r[0] for r in rows]
    area_of = {r[0].id: r[1] for r in rows}
    people = {
        u.id: u.full_name
        for u in session.exec(
            select(User).where(col(User.id).in_({i.assignee_id for i in items}))
        ).all()
    }
    areas = {
        a.id: a
        for a in session.exec(
            select(Area).where(col(Area.id).in_({a for a in area_of.values() if a is not None}))
        ).all()
    }
    evidenced = _has_evidence(session, [i.id or 0 for i in items])
    soon = due_soon_until(now=now, calendar=load_calendar(session=session), settings=settings)
    # Standing in for an absent assignee (`stand_ins.standing_in_for`) depends on the
    # assignee only here (every card has this lead unit): asked once per person, not per card.
    stand_in: dict[int, bool] = {}
    for item in items:
        if item.assignee_id not in stand_in:
            found = standing_in_for(session=session, item=item, actor=user, now=now)
            stand_in[item.assignee_id] = found is not None
    cards = []
    for item in items:
        state = State(item.state)
        relations = actor_relations(session=session, item=item, actor=user)
        if stand_in[item.assignee_id]:
            relations |= {ActorRelation.ASSIGNEE}
        area_id = area_of.get(item.id)
        area = areas.get(area_id) if area_id is not None else None
        cards.append(
            Card(
                id=item.id or 0,
                title=item.title,
                state=state,
                flag=flag_of(item, now=now, soon=soon),
                due_at=item.due_at,
                version=item.version,
                assignee_id=item.assignee_id,
                assignee=people.get(item.assignee_id, ""),
                area_id=area_id,
                area=f"{area.number}. {area.title}" if area is not None else "",
                progress_pct=item.progress_pct,
                moves=card_moves(state, relations, has_evidence=(item.id in evidenced)),
            )
        )
    lanes = _lanes(cards, swimlane)
    columns = [
        Column(s, sum(len(lane.cells[s]) for lane in lanes), s in CLOSED_STATES) for s in COLUMNS
    ]
    return Board(unit, columns, lanes, swimlane, truncated, len(cards))


def _lanes(cards: list[Card], swimlane: Swimlane) -> list[Lane]:
    keyed: dict[str, Lane] = {}
    order: list[tuple[tuple[int, str], str]] = []
    for card in cards:
        if swimlane is Swimlane.ASSIGNEE:
            key, label, rank = f"u{card.assignee_id}", card.assignee, (0, card.assignee)
        elif swimlane is Swimlane.AREA:
            key = f"a{card.area_id}" if card.area_id is not None else "a-"
            label, rank = card.area, (int(card.area_id is None), card.area)
        else:
            key, label, rank = "all", "", (0, "")
        if key not in keyed:
            keyed[key] = Lane(key, label, {s: [] for s in COLUMNS})
            order.append((rank, key))
        keyed[key].cells[card.state].append(card)
    if not keyed:
        return [Lane("all", "", {s: [] for s in COLUMNS})]
    return [keyed[key] for _rank, key in sorted(order)]


@dataclass(frozen=True)
class MoveResult:
    """What a board move did: `moved` (the action was taken) or `needs_form` (the item page's
    form asks for the reason, evidence or person first); `action` is the move's action."""

    item_id: int
    action: Action
    moved: bool
    needs_form: bool


def move_card(
    *,
    session: Session,
    now: datetime,
    actor: User,
    item_id: int,
    target: State | str,
    expected_version: int | None = None,
) -> MoveResult:
    """Move an item to the `target` column: the action the state table allows `actor` from
    the item's state to `target`, taken as the item page's button would (`act`).

    NotFound if `actor` may not see the item; InvalidTransition (code `board_no_move`) when
    the table has no such move, NotAllowed (code `board_not_yours`) when it has one for
    other people only; StaleVersion when the card was older than the item."""
    try:
        goal = State(target)
    except ValueError as exc:
        raise InvalidInput(f"unknown state {target!r}", code="board_no_move") from exc
    item = get_visible_item(session=session, user=actor, item_id=item_id, now=now)
    state = State(item.state)
    relations = actor_relations(session=session, item=item, actor=actor, now=now)
    action = move_action(state, goal, relations)
    if action is None:
        if move_exists(state, goal):
            raise NotAllowed(
                f"{actor.username} may not move item {item_id} from {state} to {goal}",
                code="board_not_yours",
            )
        raise InvalidTransition(
            f"no move from {state} to {goal} in the state table", code="board_no_move"
        )
    (move,) = [
        m
        for m in card_moves(state, relations, has_evidence=bool(_has_evidence(session, [item_id])))
        if m.target == goal
    ]
    if move.needs_form:
        return MoveResult(item_id, action, moved=False, needs_form=True)
    act(
        session=session,
        now=now,
        actor=actor,
        item_id=item_id,
        action=action,
        expected_version=expected_version,
    )
    return MoveResult(item_id, action, moved=True, needs_form=False)
