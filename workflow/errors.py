"""Domain errors; the API maps them to problem+json and the CLI to one line and exit code 2."""

from __future__ import annotations

from typing import Any


class WorkflowError(Exception):
    """Base of every error the domain raises on purpose."""

    status = 400
    title = "Invalid request"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        # A stable name of this refusal for interfaces that word it themselves (the web
        # pages' catalogue, in the user's language); the message stays for the API and logs.
        self.code = code

    def extensions(self) -> dict[str, Any]:
        """Members the API adds to this refusal's problem+json (RFC 9457 extensions)."""
        return {}


class InvalidInput(WorkflowError):
    """Input that cannot be accepted (bad file, unknown reference, bad value)."""

    status = 422
    title = "Invalid input"


class InvalidTransition(WorkflowError):
    """The action is not allowed from the item's current state."""

    status = 409
    title = "Invalid transition"


class Conflict(WorkflowError):
    """The change clashes with data already there (a taken e-mail, the last administrator)."""

    status = 409
    title = "Conflict"


class NotAllowed(WorkflowError):
    """The actor's role may not perform this action."""

    status = 403
    title = "Not allowed"


class NotFound(WorkflowError):
    """The object does not exist or is outside the actor's scope."""

    status = 404
    title = "Not found"


class StaleVersion(WorkflowError):
    """The object changed since the caller read it (optimistic concurrency)."""

    status = 412
    title = "Stale version"
