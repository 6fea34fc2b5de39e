"""The transition table: well-formed, drives allowed_actions, and the docs diagram matches."""

from __future__ import annotations

from pathlib import Path

from workflow.states import (
    CLOSED_STATES,
    RULES,
    TRANSITIONS,
    Action,
    ActorRelation,
    State,
    allowed_actions,
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
