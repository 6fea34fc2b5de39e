"""What the delivery and report jobs did: their results, shared by `tasks.jobs` (which runs
and logs them) and `tasks.glue` (which fills them from the notifications and reporting
packages) without either importing the other's module."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class OutboxResult:
    """Counts of one outbox delivery run (`relayed`: work item events turned into mail)."""

    relayed: int = 0
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    retried: int = 0
    # Of `retried`: deferred because the mail server (or our configuration) failed.
    server_faults: int = 0
    duration_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "duration_s"}


@dataclass
class ReportsResult:
    """Which report runs were built, how many report mails were queued; `note` says why
    nothing was done, if so."""

    built: list[str] = field(default_factory=list)
    note: str | None = None
    duration_s: float = 0.0
    mails: int = 0

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"built": len(self.built), "mails": self.mails}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class RepliesResult:
    """What one run of the reply-by-mail job did with the mailbox's unseen mail: `read`,
    then `applied`, `refused` (answered why), `dropped` (never answered), `duplicates`
    (read before), `failed` (left unseen for the next run); `note` "off" when replies are
    switched off."""

    read: int = 0
    applied: int = 0
    refused: int = 0
    dropped: int = 0
    duplicates: int = 0
    failed: int = 0
    note: str | None = None
    duration_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: v for k, v in asdict(self).items() if k not in ("duration_s", "note")
        }
        if self.note:
            out["note"] = self.note
        return out
