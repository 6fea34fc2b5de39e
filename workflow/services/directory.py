"""Directory sign-in (đăng nhập bằng tài khoản thư mục): which planflow person a directory
account (LDAP / Active Directory, OpenID Connect) signs in as. The directory checks the
password; this module is the one rule of who that is.

A directory account is linked to a person once, at its first sign-in, by e-mail (compared
case-insensitively): the person's `directory_id` then names it, and later sign-ins find the
person by it even if either e-mail changes. Nobody is ever created here: an account matching
no person, or a person already linked to another directory account, is refused with a
reason the sign-in page words; a deactivated person cannot sign in either way. The first
link is audited (`OrgAction.DIRECTORY_LINKED`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, func, select

from workflow.models.org import OrgAction, User
from workflow.services import org_audit


class DirectoryRefusal(StrEnum):
    NOT_LINKED = "not_linked"  # no person with this e-mail (or it is another account's)
    INACTIVE = "inactive"  # the person is deactivated in planflow
    NO_EMAIL = "no_email"  # the directory gave no (verified) e-mail to link by


@dataclass(frozen=True)
class DirectoryAccount:
    """What the directory vouches for: a stable id (`ldap:<DN>`, `oidc:<issuer> <sub>`) and
    the account's e-mail, if it has one."""

    directory_id: str
    email: str | None


@dataclass(frozen=True)
class DirectorySignIn:
    """The person a directory account signs in as, or why nobody."""

    user: User | None
    refusal: DirectoryRefusal | None = None
    linked_now: bool = False


def person_for(*, session: Session, now: datetime, account: DirectoryAccount) -> DirectorySignIn:
    """The person `account` signs in as, linking it by e-mail at the first sign-in."""
    user = session.exec(select(User).where(User.directory_id == account.directory_id)).first()
    linked_now = False
    if user is None:
        email = (account.email or "").strip().lower()
        if not email:
            return DirectorySignIn(user=None, refusal=DirectoryRefusal.NO_EMAIL)
        user = session.exec(select(User).where(func.lower(col(User.email)) == email)).first()
        if user is None or user.directory_id is not None:
            return DirectorySignIn(user=None, refusal=DirectoryRefusal.NOT_LINKED)
        if not user.is_active:
            return DirectorySignIn(user=None, refusal=DirectoryRefusal.INACTIVE)
        user.directory_id = account.directory_id
        session.add(user)
        org_audit.record(
            session=session,
            now=now,
            actor=user,
            user=user,
            action=OrgAction.DIRECTORY_LINKED,
            changes={"directory_id": [None, account.directory_id]},
        )
        session.flush()
        linked_now = True
    if not user.is_active:
        return DirectorySignIn(user=None, refusal=DirectoryRefusal.INACTIVE)
    return DirectorySignIn(user=user, linked_now=linked_now)
