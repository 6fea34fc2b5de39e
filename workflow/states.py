"""The WorkItem life cycle (vòng đời giao việc): states and actions as data.

The transition table is filled in by the workflow engine; the states are defined here
so that the tables can CHECK them.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """States of a work item, with the Vietnamese term the UI shows."""

    ASSIGNED = "assigned"  # Giao việc
    ACCEPTED = "accepted"  # Đã tiếp nhận
    RETURNED = "returned"  # Trả lại
    IN_PROGRESS = "in_progress"  # Đang thực hiện
    AWAITING_REVIEW = "awaiting_review"  # Chờ duyệt
    REWORK = "rework"  # Yêu cầu làm lại
    DONE = "done"  # Hoàn thành
    PAUSED = "paused"  # Tạm dừng
    CANCELLED = "cancelled"  # Hủy
    WITHDRAWN = "withdrawn"  # Thu hồi


CLOSED_STATES: frozenset[State] = frozenset(
    {State.DONE, State.CANCELLED, State.WITHDRAWN, State.RETURNED}
)
OPEN_STATES: frozenset[State] = frozenset(set(State) - CLOSED_STATES)
