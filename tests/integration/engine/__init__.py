"""Integration tests of the workflow engine (work items, deadlines, recurrence)."""
