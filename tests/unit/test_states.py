"""The transition table: well-formed, drives allowed_actions, and the docs diagram matches."""

from __future__ import annotations

from pathlib import Path

from workflow.states import (
    CLOSED_STATES,
    RULES,
    TRANSITIONS,
    Action,
    ActorRelation,
    NextStep,
    State,
    allowed_actions,
    next_step,
    render_doc,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "state-machine.md"


def test_doc_matches_table() -> None:
    assert DOC.read_text(encoding="utf-8") == render_doc(), (
        "docs/state-machine.md is stale: regenerate it (command in its header)"
    )


def test_every_open_state_can_be_left_and_done_is_reachable() -> None:
    sources = {s for s, _ in RULES}
    assert set(State) - CLOSED_STATES <= sources
    targets = {rule.target for rule in RULES.values()}
    assert State.DONE in targets and State.ASSIGNED in targets
    assert TRANSITIONS[(State.ASSIGNED, Action.ACCEPT)] == State.ACCEPTED


def test_closed_states_are_final_except_reassigning_a_returned_item() -> None:
    leaving = {(s, a) for s, a in RULES if s in CLOSED_STATES}
    assert leaving == {(State.RETURNED, Action.REASSIGN)}


def test_allowed_actions_per_relation() -> None:
    assert allowed_actions(State.ASSIGNED, {ActorRelation.ASSIGNEE}) == [
        Action.ACCEPT,
        Action.RETURN,
    ]
    assert allowed_actions("awaiting_review", {ActorRelation.ASSIGNEE}) == []
    assert allowed_actions("done", set(ActorRelation)) == []
    assert Action.WITHDRAW in allowed_actions("in_progress", {ActorRelation.ASSIGNER})
    assert Action.WITHDRAW not in allowed_actions("in_progress", {ActorRelation.DIRECTOR})
    managers = {ActorRelation.LEAD_UNIT_HEAD}, {ActorRelation.DEPUTY_IN_CHARGE}
    assert all(Action.CHASE in allowed_actions("rework", rel) for rel in managers)
    assert Action.CHASE not in allowed_actions("in_progress", {ActorRelation.COORDINATOR})
    assert Action.CHASE not in allowed_actions("paused", set(ActorRelation))
    assert RULES[(State.ACCEPTED, Action.CHASE)].target == State.ACCEPTED


def test_reasons_and_evidence_are_required_where_it_matters() -> None:
    assert RULES[(State.ASSIGNED, Action.RETURN)].needs_comment
    assert RULES[(State.AWAITING_REVIEW, Action.REQUEST_REWORK)].needs_comment
    assert RULES[(State.IN_PROGRESS, Action.SUBMIT)].needs_evidence


def test_every_state_and_action_has_a_label_in_both_languages() -> None:
    from workflow.states import ACTION_LABELS, STATE_LABELS, action_label, state_label

    assert set(STATE_LABELS) == set(State)
    assert set(ACTION_LABELS) == set(Action)
    labels = [
        *(state_label(s, lang) for s in State for lang in ("vi", "en")),
        *(action_label(a, lang) for a in Action for lang in ("vi", "en")),
    ]
    assert all(labels)
    # English comes from the catalog, not the Vietnamese msgid shown as a fallback.
    assert all(state_label(s, "en") != state_label(s, "vi") for s in State)
    assert all(action_label(a, "en") != action_label(a, "vi") for a in Action)


def test_a_state_reads_as_a_status_never_as_the_verb_of_a_button() -> None:
    """'Hủy' on a button cancels; the item then reads 'Đã hủy', not the verb again."""
    from workflow.states import ACTION_LABELS, STATE_LABELS, action_label, state_label

    verbs = {label.casefold() for label in ACTION_LABELS.values()}
    assert not {label.casefold() for label in STATE_LABELS.values()} & verbs
    assert state_label("cancelled") == "Đã hủy"
    assert state_label(State.ASSIGNED, "en") == "Assigned"
    assert action_label("cancel") == "Hủy"


def test_next_step_is_what_the_state_machine_takes_next() -> None:
    """The item page's main action: never one the table would refuse, attaching evidence
    before a submit that needs it, nothing for a reason-only choice."""
    worker, head = {ActorRelation.ASSIGNEE}, {ActorRelation.LEAD_UNIT_HEAD}
    assert next_step(State.ASSIGNED, worker, has_evidence=False) == NextStep(Action.ACCEPT)
    assert next_step(State.ACCEPTED, worker, has_evidence=False) == NextStep(Action.START)
    assert next_step(State.REWORK, worker, has_evidence=True) == NextStep(Action.START)
    # In progress without evidence: submitting would be refused, so attaching comes first.
    assert next_step(State.IN_PROGRESS, worker, has_evidence=False) == NextStep(
        Action.SUBMIT, needs_evidence=True
    )
    assert next_step(State.IN_PROGRESS, worker, has_evidence=True) == NextStep(
        Action.SUBMIT, after_evidence=True
    )
    assert next_step(State.AWAITING_REVIEW, head, has_evidence=True) == NextStep(Action.APPROVE)
    assert next_step(State.PAUSED, head, has_evidence=False) == NextStep(Action.RESUME)
    # Only reasoned choices (pause, chase) or reassigning left: no main action.
    assert next_step(State.IN_PROGRESS, head, has_evidence=True) is None
    assert next_step(State.AWAITING_REVIEW, worker, has_evidence=True) is None
    assert next_step(State.DONE, head | worker, has_evidence=True) is None
    # Whatever it offers, the table allows it for these relations from this state.
    for state in State:
        for who in (worker, head, {ActorRelation.DIRECTOR}, {ActorRelation.COORDINATOR}):
            step = next_step(state, who, has_evidence=True)
            if step is not None:
                rule = RULES[(state, step.action)]
                assert rule.who & who and not rule.needs_comment
