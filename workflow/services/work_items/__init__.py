"""Assigning work (giao việc) and acting on it through the state machine of `workflow.states`.

Every change bumps `version`, writes one WorkItemEvent and recomputes `next_action_at`
(via `refresh_next_action`), so the scheduler's indexed query is always exact.

By concept: `assignment` creates items, `actions` moves them through their states,
`access` says who stands how to an item, `due` computes deadlines and the next scheduled
action, `audit` writes the history, `queries` reads lists and history. Import from here.
"""

from __future__ import annotations

from workflow.services.work_items.access import (
    actions_for,
    actor_relations,
    get_item,
    may_assign,
    reassign_candidates,
)
from workflow.services.work_items.actions import act, add_evidence, report_progress
from workflow.services.work_items.assignment import (
    PRIORITIES,
    BulkAssignResult,
    ItemSpec,
    assign,
    bulk_assign_area,
    create_item,
    create_items,
)
from workflow.services.work_items.audit import AUDITED, record_change, snapshot
from workflow.services.work_items.bulk import BulkAction, BulkOutcome, bulk_act, extend_due
from workflow.services.work_items.due import due_at_for, ladder_of, refresh_next_action, set_due
from workflow.services.work_items.queries import history, list_items

__all__ = [
    "AUDITED",
    "PRIORITIES",
    "BulkAction",
    "BulkAssignResult",
    "BulkOutcome",
    "ItemSpec",
    "act",
    "actions_for",
    "actor_relations",
    "add_evidence",
    "assign",
    "bulk_act",
    "bulk_assign_area",
    "create_item",
    "create_items",
    "due_at_for",
    "extend_due",
    "get_item",
    "history",
    "ladder_of",
    "list_items",
    "may_assign",
    "reassign_candidates",
    "record_change",
    "refresh_next_action",
    "report_progress",
    "set_due",
    "snapshot",
]
