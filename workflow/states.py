"""The WorkItem life cycle (vòng đời giao việc): states, actions and who may act, as data.

`RULES` is the single source of truth: the services, the UI's buttons, the API's 409/403
answers and the diagram in docs/state-machine.md all derive from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from workflow.i18n import NP_, translate_in


class State(StrEnum):
    """States of a work item, with the Vietnamese term the UI shows."""

    ASSIGNED = "assigned"  # Đã giao
    ACCEPTED = "accepted"  # Đã tiếp nhận
    RETURNED = "returned"  # Đã trả lại
    IN_PROGRESS = "in_progress"  # Đang thực hiện
    AWAITING_REVIEW = "awaiting_review"  # Chờ duyệt
    REWORK = "rework"  # Cần làm lại
    DONE = "done"  # Hoàn thành
    PAUSED = "paused"  # Tạm dừng
    CANCELLED = "cancelled"  # Đã hủy
    WITHDRAWN = "withdrawn"  # Đã thu hồi


CLOSED_STATES: frozenset[State] = frozenset(
    {State.DONE, State.CANCELLED, State.WITHDRAWN, State.RETURNED}
)
OPEN_STATES: frozenset[State] = frozenset(set(State) - CLOSED_STATES)
# Where the assignee owes work and reports how far it is (báo cáo tiến độ); reporting from
# "accepted" also starts the work, as the START rule allows.
PROGRESS_STATES: frozenset[State] = frozenset({State.ACCEPTED, State.IN_PROGRESS, State.REWORK})


class Action(StrEnum):
    """What a person may do to an item."""

    ACCEPT = "accept"  # Tiếp nhận
    RETURN = "return"  # Trả lại (with a reason)
    START = "start"  # Bắt đầu / tiếp tục thực hiện
    SUBMIT = "submit"  # Trình duyệt (evidence attached)
    APPROVE = "approve"  # Duyệt hoàn thành
    REQUEST_REWORK = "request_rework"  # Yêu cầu làm lại (with a reason)
    PAUSE = "pause"  # Tạm dừng
    RESUME = "resume"  # Tiếp tục
    CANCEL = "cancel"  # Hủy
    WITHDRAW = "withdraw"  # Thu hồi
    REASSIGN = "reassign"  # Giao lại (another officer of the lead unit)
    CHASE = "chase"  # Đôn đốc (a reminder from above; changes nothing but the record)


# What people read: a state is a status ("Đã giao"), an action a verb on a button ("Giao lại"),
# as msgids of the catalogs (workflow.i18n; the contexts "state" and "action" keep a status
# apart from the same words elsewhere). Every page, mail and report asks these two tables.
STATE_LABELS: dict[State, str] = {
    State.ASSIGNED: NP_("state", "Đã giao"),
    State.ACCEPTED: NP_("state", "Đã tiếp nhận"),
    State.RETURNED: NP_("state", "Đã trả lại"),
    State.IN_PROGRESS: NP_("state", "Đang thực hiện"),
    State.AWAITING_REVIEW: NP_("state", "Chờ duyệt"),
    State.REWORK: NP_("state", "Cần làm lại"),
    State.DONE: NP_("state", "Hoàn thành"),
    State.PAUSED: NP_("state", "Đang tạm dừng"),
    State.CANCELLED: NP_("state", "Đã hủy"),
    State.WITHDRAWN: NP_("state", "Đã thu hồi"),
}
ACTION_LABELS: dict[Action, str] = {
    Action.ACCEPT: NP_("action", "Tiếp nhận"),
    Action.RETURN: NP_("action", "Trả lại"),
    Action.START: NP_("action", "Bắt đầu thực hiện"),
    Action.SUBMIT: NP_("action", "Trình duyệt"),
    Action.APPROVE: NP_("action", "Duyệt hoàn thành"),
    Action.REQUEST_REWORK: NP_("action", "Yêu cầu làm lại"),
    Action.PAUSE: NP_("action", "Tạm dừng"),
    Action.RESUME: NP_("action", "Tiếp tục"),
    Action.CANCEL: NP_("action", "Hủy"),
    Action.WITHDRAW: NP_("action", "Thu hồi"),
    Action.REASSIGN: NP_("action", "Giao lại"),
    Action.CHASE: NP_("action", "Đôn đốc"),
}


def state_label(state: State | str, lang: str = "vi") -> str:
    """The status a person reads for `state`, in `lang` ("vi" or "en")."""
    return translate_in(lang, "state", STATE_LABELS[State(state)])


def action_label(action: Action | str, lang: str = "vi", default: str | None = None) -> str:
    """The verb on the button for `action`, in `lang` ("vi" or "en"); `default` for a
    name that is no action (an event of the item's history), else ValueError."""
    if default is not None and action not in Action.__members__.values():
        return default
    return translate_in(lang, "action", ACTION_LABELS[Action(action)])


class ActorRelation(StrEnum):
    """How a person stands to one item; permissions are granted to relations, not users."""

    ASSIGNEE = "assignee"  # người xử lý chính
    ASSIGNER = "assigner"  # người giao việc
    LEAD_UNIT_HEAD = "lead_unit_head"  # trưởng đơn vị chủ trì
    DEPUTY_IN_CHARGE = "deputy_in_charge"  # Phó Giám đốc phụ trách
    DIRECTOR = "director"  # Giám đốc
    COORDINATOR = "coordinator"  # đầu mối CCHC, Văn phòng


@dataclass(frozen=True)
class Rule:
    """One allowed transition: its target state, who may take it, what it needs."""

    target: State
    who: frozenset[ActorRelation]
    needs_comment: bool = False
    needs_evidence: bool = False


R = ActorRelation
_WORKER = frozenset({R.ASSIGNEE})
_REVIEWERS = frozenset({R.LEAD_UNIT_HEAD, R.ASSIGNER, R.DEPUTY_IN_CHARGE, R.DIRECTOR})
_MANAGERS = frozenset({R.LEAD_UNIT_HEAD, R.ASSIGNER, R.DEPUTY_IN_CHARGE, R.DIRECTOR})
_CANCELLERS = frozenset({R.ASSIGNER, R.DEPUTY_IN_CHARGE, R.DIRECTOR, R.COORDINATOR})
_WITHDRAWERS = frozenset({R.ASSIGNER})
_REASSIGNERS = frozenset({R.LEAD_UNIT_HEAD, R.ASSIGNER})
_CHASERS = frozenset({R.LEAD_UNIT_HEAD, R.ASSIGNER, R.DEPUTY_IN_CHARGE, R.DIRECTOR})

S, A = State, Action
RULES: dict[tuple[State, Action], Rule] = {
    (S.ASSIGNED, A.ACCEPT): Rule(S.ACCEPTED, _WORKER),
    (S.ASSIGNED, A.RETURN): Rule(S.RETURNED, _WORKER, needs_comment=True),
    (S.ACCEPTED, A.START): Rule(S.IN_PROGRESS, _WORKER),
    (S.REWORK, A.START): Rule(S.IN_PROGRESS, _WORKER),
    (S.IN_PROGRESS, A.SUBMIT): Rule(S.AWAITING_REVIEW, _WORKER, needs_evidence=True),
    (S.AWAITING_REVIEW, A.APPROVE): Rule(S.DONE, _REVIEWERS),
    (S.AWAITING_REVIEW, A.REQUEST_REWORK): Rule(S.REWORK, _REVIEWERS, needs_comment=True),
    # Resuming always continues the work: the clock restarts with the due date shifted.
    (S.ACCEPTED, A.PAUSE): Rule(S.PAUSED, _MANAGERS, needs_comment=True),
    (S.IN_PROGRESS, A.PAUSE): Rule(S.PAUSED, _MANAGERS, needs_comment=True),
    (S.REWORK, A.PAUSE): Rule(S.PAUSED, _MANAGERS, needs_comment=True),
    (S.PAUSED, A.RESUME): Rule(S.IN_PROGRESS, _MANAGERS),
    **{
        (s, A.CANCEL): Rule(S.CANCELLED, _CANCELLERS, needs_comment=True)
        for s in (S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.AWAITING_REVIEW, S.REWORK, S.PAUSED)
    },
    **{
        (s, A.WITHDRAW): Rule(S.WITHDRAWN, _WITHDRAWERS, needs_comment=True)
        for s in (S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.AWAITING_REVIEW, S.REWORK, S.PAUSED)
    },
    **{
        (s, A.REASSIGN): Rule(S.ASSIGNED, _REASSIGNERS)
        for s in (S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.REWORK, S.RETURNED)
    },
    # Chasing is a self-transition so buttons, 409s and the diagram follow the table. Only
    # while the assignee owes work: not paused (the clock stands) nor awaiting review (the
    # reviewer holds it), since the chase mail goes to the assignee.
    **{
        (s, A.CHASE): Rule(s, _CHASERS, needs_comment=True)
        for s in (S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.REWORK)
    },
}

TRANSITIONS: dict[tuple[State, Action], State] = {key: rule.target for key, rule in RULES.items()}


def rule_for(state: State | str, action: Action | str) -> Rule | None:
    """The rule for `action` from `state`, or None when the transition does not exist."""
    return RULES.get((State(state), Action(action)))


class HasState(Protocol):
    """Anything with a `state` (a WorkItem, a public view of one)."""

    @property
    def state(self) -> str: ...


def allowed_actions(
    item: HasState | State | str, actor_relations: Iterable[ActorRelation]
) -> list[Action]:
    """Actions a person standing in `actor_relations` to `item` (or a bare state) may take."""
    current = State(item if isinstance(item, str) else item.state)
    relations = frozenset(actor_relations)
    return [
        action
        for (source, action), rule in RULES.items()
        if source == current and rule.who & relations
    ]


@dataclass(frozen=True)
class NextStep:
    """The one thing an item's page offers first (a reminder mail's link, then one tap).

    `action` is what the person would take; `needs_evidence` says the state machine would
    refuse it until evidence is attached, so attaching comes first; `after_evidence` says it
    is the step attaching evidence was for (the page offers it beside the evidence too)."""

    action: Action
    needs_evidence: bool = False
    after_evidence: bool = False


def next_step(
    item: HasState | State | str,
    actor_relations: Iterable[ActorRelation],
    *,
    has_evidence: bool,
) -> NextStep | None:
    """The main action for a person standing in `actor_relations` to `item`: the first action
    of `RULES` they may take that moves the work on by itself, i.e. needs no reason (return,
    pause, cancel, chase... are deliberate choices, not the next step) and no other person
    (reassign). An action needing evidence the item lacks is returned with `needs_evidence`;
    None when nothing moves the work on for them."""
    for action in allowed_actions(item, actor_relations):
        rule = rule_for(State(item if isinstance(item, str) else item.state), action)
        if rule is None or rule.needs_comment or action == Action.REASSIGN:
            continue
        return NextStep(
            action,
            needs_evidence=rule.needs_evidence and not has_evidence,
            after_evidence=rule.needs_evidence and has_evidence,
        )
    return None


def move_action(
    source: State | str, target: State | str, actor_relations: Iterable[ActorRelation]
) -> Action | None:
    """The action that moves an item from `source` to `target` for a person standing in
    `actor_relations` to it (a board's drag from one state's column to another's), or None
    when the table has no such move for them. Self-transitions (chasing) move nothing."""
    src, dst = State(source), State(target)
    if src == dst:
        return None
    relations = frozenset(actor_relations)
    for (state, action), rule in RULES.items():
        if state == src and rule.target == dst and rule.who & relations:
            return action
    return None


def move_exists(source: State | str, target: State | str) -> bool:
    """True when the table moves `source` to `target` for someone (a refusal then says
    "not yours to do" rather than "no such step")."""
    src, dst = State(source), State(target)
    return src != dst and any(s == src and r.target == dst for (s, _a), r in RULES.items())


def mermaid() -> str:
    """The state diagram as Mermaid source (docs/state-machine.md embeds it)."""
    lines = ["stateDiagram-v2", "    [*] --> assigned"]
    for (source, action), rule in RULES.items():
        who = ", ".join(sorted(r.value for r in rule.who))
        lines.append(f"    {source.value} --> {rule.target.value}: {action.value} ({who})")
    for state in sorted(CLOSED_STATES):
        lines.append(f"    {state.value} --> [*]")
    return "\n".join(lines) + "\n"


def render_doc() -> str:
    """docs/state-machine.md, generated from `RULES` (a test keeps the file in step)."""
    rows = [
        f"| {source.value} | {action.value} | {rule.target.value} | "
        f"{', '.join(sorted(r.value for r in rule.who))} | "
        f"{'reason' if rule.needs_comment else ''}{'evidence' if rule.needs_evidence else ''} |"
        for (source, action), rule in RULES.items()
    ]
    return "\n".join(
        [
            "# Work item state machine (vòng đời giao việc)",
            "",
            "Generated from `workflow.states.RULES`; do not edit by hand. Regenerate with",
            "`.venv/bin/python -c 'import workflow.states as s; "
            'open("docs/state-machine.md", "w").write(s.render_doc())\'`.',
            "",
            "```mermaid",
            mermaid().rstrip("\n"),
            "```",
            "",
            "| from | action | to | who may | needs |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "Any other (state, action) raises `InvalidTransition` (409); a person standing in",
            "none of the listed relations to the item raises `NotAllowed` (403). Resuming a",
            "paused item continues the work (in_progress) and moves the due date by the",
            "working days it was paused.",
            "",
        ]
    )
