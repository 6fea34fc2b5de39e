"""What a page asks before it shows or changes a row: a signed-in user, the row, and the
rule that admits the user; otherwise the page that says why (sign in, 404, 403)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session, SQLModel

from api.pages import messages as msg
from api.pages.ui import not_found, refusal, to_login
from workflow.models import User

R = TypeVar("R", bound=SQLModel)


def row_for(
    request: Request,
    session: Session,
    user: User | None,
    model: type[R],
    row_id: int,
    *,
    may: Callable[[User], bool],
    back: Callable[[R], str],
) -> tuple[User, R] | Response:
    """The signed-in user and row `row_id` of `model` when `may` admits the user; else the
    sign-in redirect, the 404 page, or the 403 page with a way `back` from the row."""
    if user is None:
        return to_login(request)
    row = session.get(model, row_id)
    if row is None:
        return not_found(request, user)
    if not may(user):
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back=back(row))
    return user, row
