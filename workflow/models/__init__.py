"""SQLModel tables of the domain core, by concept; importing this registers them all."""

from workflow.models.calendar import CalendarOverride
from workflow.models.org import (
    Absence,
    GroupRule,
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
    "Plan",
    "PlanTask",
    "RecurringSeries",
    "ReplyRevocation",
    "ReportRun",
    "Role",
    "Unit",
    "UnitAlias",
    "UnitGroup",
    "UnitKind",
    "User",
    "WorkItem",
    "WorkItemEvent",
    "WorkItemUnit",
]
