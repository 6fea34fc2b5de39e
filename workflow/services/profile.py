"""What users may change about themselves: the language of their pages and mail."""

from __future__ import annotations

from sqlmodel import Session

from workflow.errors import InvalidInput
from workflow.models import User

LANGUAGES = ("vi", "en")  # Vietnamese first; English for foreign experts and partners


def set_language(*, session: Session, user: User, language: str) -> User:
    """Set the language of `user`'s pages and mail (from the next mail queued)."""
    if language not in LANGUAGES:
        raise InvalidInput(f"unknown language {language!r}")
    user.language = language
    session.add(user)
    session.flush()
    return user
