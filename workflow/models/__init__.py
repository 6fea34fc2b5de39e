"""SQLModel tables of the domain core, by concept; importing this registers them all."""

from workflow.models.calendar import CalendarOverride
from workflow.models.files import StoredFile
from workflow.models.org import (
    Absence,
    GroupRule,
    OrgAction,
    OrgChange,
    Role,
    Unit,
    UnitAlias,
    UnitGroup,
    UnitKind,
    User,
)
from workflow.models.plan import (
    Area,
    Indicator,
    IndicatorReading,
    IndicatorTarget,
    Objective,
    Plan,
    PlanTask,
)
from workflow.models.replies import MailReply, ReplyRevocation
from workflow.models.report import JobState, ReportRun
from workflow.models.search import SavedView, SearchEntry
from workflow.models.work import (
    Comment,
    Evidence,
    ExtensionRequest,
    IssuedTask,
    RecurringSeries,
    WorkItem,
    WorkItemEvent,
    WorkItemUnit,
)

__all__ = [
    "Absence",
    "Area",
    "CalendarOverride",
    "Comment",
    "Evidence",
    "ExtensionRequest",
    "GroupRule",
    "Indicator",
    "IndicatorReading",
    "IndicatorTarget",
    "IssuedTask",
    "JobState",
    "MailReply",
    "Objective",
    "OrgAction",
    "OrgChange",
    "Plan",
    "PlanTask",
    "RecurringSeries",
    "ReplyRevocation",
    "ReportRun",
    "Role",
    "SavedView",
    "SearchEntry",
    "StoredFile",
    "Unit",
    "UnitAlias",
    "UnitGroup",
    "UnitKind",
    "User",
    "WorkItem",
    "WorkItemEvent",
    "WorkItemUnit",
]

# The search index follows every flush of these tables (registers its ORM listener).
import workflow.search_index  # noqa: F401
