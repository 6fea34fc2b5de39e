"""The unit board (`/ui/board`, workflow.services.board): columns by state from the state
table, WIP counts, swimlanes, what each person sees, and moves through the state table
(allowed, refused, and those that open the item page's form), by form and by HTMX."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.pages import messages as msg
from tests.integration.api.conftest import Sample, signed_in, unit_coded, user_named
from workflow.errors import InvalidTransition, NotAllowed, NotFound
from workflow.i18n import translate
from workflow.models import WorkItem, WorkItemEvent
from workflow.services.board import Swimlane, board_units, move_card, unit_board
from workflow.settings import get_settings
from workflow.states import CLOSED_STATES, Action, State


def _cards(html: str) -> dict[int, str]:
    """Item id → the state of the column its card is in."""
    cards: dict[int, str] = {}
    for column in re.finditer(
        r'<section class="column[^"]*" data-state="(\w+)".*?</section>', html, flags=re.S
    ):
        for item in re.findall(r'data-item="(\d+)"', column.group(0)):
            cards[int(item)] = column.group(1)
    return cards


def _wip(html: str) -> dict[str, int]:
    return {
        state: int(n)
        for state, n in re.findall(
            r'<li data-state="(\w+)">[^<]*<strong class="wip-count">(\d+)</strong>', html
        )
    }


def test_columns_follow_the_state_table_with_wip_counts(
    client: TestClient, org: Session, sample: Sample, now: datetime
) -> None:
    signed_in(client, org, "cchc.truong")
    page = client.get("/ui/board")
    assert page.status_code == 200
    html = page.text
    # Every state of the table is a column, in the table's order, the closed ones last.
    columns = re.findall(r'<section class="column[^"]*" data-state="(\w+)"', html)
    assert sorted(columns) == sorted(s.value for s in State)
    assert columns[:6] == [s.value for s in State if s not in CLOSED_STATES]
    assert columns[6:] == ["returned", "done", "cancelled", "withdrawn"]
    # The head's own unit: CCHC's item only (the one CCHC supports is TCBC's board).
    assert _cards(html) == {sample.cchc.id: "assigned"}
    assert _wip(html)["assigned"] == 1 and _wip(html)["in_progress"] == 0


def test_an_officer_sees_only_what_they_may(org: Session, sample: Sample, now: datetime) -> None:
    settings = get_settings()
    cchc = unit_coded(org, "CCHC").id or 0
    nam = user_named(org, "cchc.nam")
    # cchc.nam is in CCHC but not the assignee: the unit's item is not theirs to see.
    board = unit_board(session=org, user=nam, unit_id=cchc, now=now, settings=settings)
    assert board.total == 0
    linh = user_named(org, "cchc.linh")
    board = unit_board(session=org, user=linh, unit_id=cchc, now=now, settings=settings)
    assert [c.id for lane in board.lanes for c in lane.cells[State.ASSIGNED]] == [sample.cchc.id]
    # An officer's only board is their own unit's; another unit's is not found.
    assert [u.code for u in board_units(session=org, user=linh)] == ["CCHC"]
    tcbc = unit_coded(org, "TCBC").id or 0
    try:
        unit_board(session=org, user=linh, unit_id=tcbc, now=now, settings=settings)
    except NotFound:
        pass
    else:
        raise AssertionError("an officer opened another unit's board")


def test_other_units_board_is_not_found_for_a_head(
    client: TestClient, org: Session, sample: Sample
) -> None:
    signed_in(client, org, "cchc.truong")
    tcbc = unit_coded(org, "TCBC").id
    assert client.get(f"/ui/board?unit={tcbc}").status_code == 404
    # The director opens any unit's board and sees its items.
    client.cookies.clear()
    signed_in(client, org, "gd.minh")
    page = client.get(f"/ui/board?unit={tcbc}")
    assert page.status_code == 200
    assert _cards(page.text) == {sample.tcbc_with_cchc.id: "assigned"}


def test_swimlanes_by_assignee_and_area(org: Session, sample: Sample, now: datetime) -> None:
    director = user_named(org, "gd.minh")
    cchc = unit_coded(org, "CCHC").id or 0
    settings = get_settings()
    by_person = unit_board(
        session=org,
        user=director,
        unit_id=cchc,
        now=now,
        settings=settings,
        swimlane=Swimlane.ASSIGNEE,
    )
    assert [lane.label for lane in by_person.lanes] == [user_named(org, "cchc.linh").full_name]
    by_area = unit_board(
        session=org, user=director, unit_id=cchc, now=now, settings=settings, swimlane=Swimlane.AREA
    )
    assert [lane.key for lane in by_area.lanes] == ["a-"]  # outside any plan


def test_moving_a_card_runs_the_transition_and_writes_the_audit(
    client: TestClient, org: Session, sample: Sample
) -> None:
    csrf = signed_in(client, org, "cchc.linh")
    cchc = unit_coded(org, "CCHC").id
    r = client.post(
        f"/ui/board/items/{sample.cchc.id}/move",
        data={"to": "accepted", "version": "1", "unit": str(cchc), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/ui/board?unit={cchc}&moved={sample.cchc.id}"
    org.expire_all()
    assert org.get(WorkItem, sample.cchc.id).state == "accepted"  # type: ignore[union-attr]
    event = org.exec(
        select(WorkItemEvent)
        .where(WorkItemEvent.work_item_id == sample.cchc.id)
        .order_by(col(WorkItemEvent.id).desc())
    ).first()
    assert event is not None and event.action == "accept"
    assert (event.from_state, event.to_state) == ("assigned", "accepted")
    page = client.get(r.headers["location"])
    assert 'id="board-notice"' in page.text
    assert _cards(page.text)[sample.cchc.id] == "accepted"


def test_moves_the_table_refuses_are_refused_with_a_message(
    client: TestClient, org: Session, sample: Sample
) -> None:
    # The head may not accept for the officer: the move exists, but not for them.
    csrf = signed_in(client, org, "cchc.truong")
    r = client.post(
        f"/ui/board/items/{sample.cchc.id}/move",
        data={"to": "accepted", "version": "1", "csrf_token": csrf},
    )
    assert r.status_code == 403
    assert translate("vi", msg.BOARD_NOT_YOURS) in r.text
    # Straight from assigned to done: no such step for anybody.
    r = client.post(
        f"/ui/board/items/{sample.cchc.id}/move",
        data={"to": "done", "version": "1", "csrf_token": csrf},
    )
    assert r.status_code == 409
    assert translate("vi", msg.BOARD_NO_MOVE) in r.text
    org.expire_all()
    assert org.get(WorkItem, sample.cchc.id).state == "assigned"  # type: ignore[union-attr]


def test_a_move_needing_a_reason_opens_the_item_form_and_comes_back(
    client: TestClient, org: Session, sample: Sample
) -> None:
    csrf = signed_in(client, org, "cchc.linh")
    cchc = unit_coded(org, "CCHC").id
    # Returning work needs a reason: the board sends the officer to the item page's form.
    r = client.post(
        f"/ui/board/items/{sample.cchc.id}/move",
        data={"to": "returned", "version": "1", "unit": str(cchc), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    target = urlsplit(r.headers["location"])
    assert target.path == f"/ui/items/{sample.cchc.id}"
    query = parse_qs(target.query)
    assert query["do"] == ["return"] and query["back"] == [f"/ui/board?unit={cchc}"]
    page = client.get(r.headers["location"])
    assert 'id="do-action" role="status" data-action="return"' in page.text
    assert f'name="next" value="/ui/board?unit={cchc}"' in page.text
    org.expire_all()
    assert org.get(WorkItem, sample.cchc.id).state == "assigned"  # type: ignore[union-attr]
    # The item page's own action, with the reason, then back to the board.
    r = client.post(
        f"/ui/items/{sample.cchc.id}/actions/return",
        data={"comment": "Không thuộc chức năng", "csrf_token": csrf, "next": query["back"][0]},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/ui/board?unit={cchc}"
    # A `next` off the board is ignored: the item page again.
    org.expire_all()
    assert org.get(WorkItem, sample.cchc.id).state == "returned"  # type: ignore[union-attr]


def test_htmx_move_answers_the_board_in_place(
    client: TestClient, org: Session, sample: Sample
) -> None:
    csrf = signed_in(client, org, "cchc.linh")
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
    r = client.post(
        f"/ui/board/items/{sample.cchc.id}/move",
        data={"to": "accepted", "version": "1"},
        headers=headers,
    )
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="board"') and "<html" not in r.text
    assert _cards(r.text)[sample.cchc.id] == "accepted"
    # A refused drop: the board again with the reason, the refusal's status.
    r = client.post(
        f"/ui/board/items/{sample.cchc.id}/move",
        data={"to": "done", "version": "2"},
        headers=headers,
    )
    assert r.status_code == 409 and 'id="board-error"' in r.text
    # A move needing a reason: HTMX is told to open the item page's form.
    r = client.post(
        f"/ui/board/items/{sample.cchc.id}/move",
        data={"to": "cancelled", "version": "2"},
        headers=headers,
    )
    # The officer may not cancel: refused, not redirected.
    assert r.status_code == 403
    client.cookies.clear()
    csrf = signed_in(client, org, "cchc.truong")
    r = client.post(
        f"/ui/board/items/{sample.cchc.id}/move",
        data={"to": "cancelled", "version": "2"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 200
    assert r.headers["HX-Redirect"].startswith(f"/ui/items/{sample.cchc.id}?do=cancel")


def test_move_card_service(org: Session, sample: Sample, now: datetime) -> None:
    linh = user_named(org, "cchc.linh")
    head = user_named(org, "cchc.truong")
    item = sample.cchc.id or 0
    result = move_card(session=org, now=now, actor=linh, item_id=item, target="accepted")
    assert result.moved and result.action is Action.ACCEPT
    result = move_card(session=org, now=now, actor=linh, item_id=item, target="in_progress")
    assert result.moved and result.action is Action.START
    # Submitting needs evidence: the sample item has a file, so the move goes through.
    result = move_card(session=org, now=now, actor=linh, item_id=item, target="awaiting_review")
    assert result.moved and result.action is Action.SUBMIT
    # Asking for rework needs a reason: the form first, nothing done.
    result = move_card(session=org, now=now, actor=head, item_id=item, target="rework")
    assert result.needs_form and not result.moved
    for actor, target, error in (
        (linh, "done", NotAllowed),  # approving is the reviewer's
        (head, "accepted", InvalidTransition),  # no step back to accepted
    ):
        try:
            move_card(session=org, now=now, actor=actor, item_id=item, target=target)
        except error:
            continue
        raise AssertionError(f"{actor.username} moved to {target}")
    result = move_card(session=org, now=now, actor=head, item_id=item, target="done")
    assert result.moved and org.get(WorkItem, item).state == "done"  # type: ignore[union-attr]
    # An item outside the actor's scope is not found.
    other = sample.xdcq.id or 0
    try:
        move_card(session=org, now=now, actor=linh, item_id=other, target="accepted")
    except NotFound:
        return
    raise AssertionError("moved an invisible item")
