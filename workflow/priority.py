"""Work item priority (độ ưu tiên): the one list of values, stored as these strings."""

from __future__ import annotations

from enum import StrEnum


class Priority(StrEnum):
    """How pressing an item is, lowest first (the UI shows Thấp, Bình thường, Cao, Khẩn)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"
