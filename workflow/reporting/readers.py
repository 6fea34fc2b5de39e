"""Who reads the periodic reports: the API's report routes, the report pages and the
navigation link all ask this one rule (docs/decisions/0010)."""

from __future__ import annotations

from workflow.models import User
from workflow.models.org import Role

# Reports are agency-wide: directors, deputy directors, unit heads and the coordinator read
# them; officers and administrators do not (a role, not an object scope).
REPORT_READERS = frozenset({Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.UNIT_HEAD, Role.COORDINATOR})


def may_read_reports(user: User | None) -> bool:
    """True for the roles that read reports (the page's nav link asks this)."""
    return user is not None and user.role in REPORT_READERS
