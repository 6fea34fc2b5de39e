"""The staff list import and export (danh sách cán bộ): the personnel office's list is the
organisation's people.

`preview` resolves every row (units like a plan import: names, aliases, codes, through
`workflow.importer.unit_names`; people by e-mail, else by username) and computes the diff:
added, changed (name, title, role, language, e-mail, reactivated), moved to another unit,
and deactivated (an active account the list does not name; administrators' accounts are
service accounts and never deactivated by a list). Every mistake is collected with its row
and the whole list refused (InvalidInput) before anything is written. `apply` writes the
diff in the caller's transaction: moves and deactivations through `workflow.services.people`
(the open items go to the former head, one mail per head). Importing the same list again
changes nothing. `export_rows` gives the same columns back.

Roles: a "Vai trò" column (codes or Vietnamese: "Trưởng đơn vị", "Chuyên viên"...) sets
them; without it a new person's role is read from their title (`role_from_title`: "Trưởng
phòng", "Chánh Văn phòng", "Giám đốc Trung tâm" head their unit; in the board "Giám đốc"
is the director, "Phó Giám đốc" a deputy) and existing people keep theirs.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlmodel import Session, col, select

from workflow.errors import InvalidInput
from workflow.importer.staff_list import EXPORT_HEADERS, StaffRow
from workflow.importer.text import fold
from workflow.importer.unit_names import Resolved, load_directory
from workflow.models.org import Role, Unit, UnitKind, User
from workflow.services import org, org_audit, people

# How many row errors a refusal lists (the rest are counted).
MAX_ERRORS = 30
_EMAIL = TypeAdapter(EmailStr)
_ROLE_WORDS: dict[str, Role] = {
    **{r.value: r for r in Role},
    "giam doc": Role.DIRECTOR,
    "pho giam doc": Role.DEPUTY_DIRECTOR,
    "truong don vi": Role.UNIT_HEAD,
    "lanh dao don vi": Role.UNIT_HEAD,
    "truong phong": Role.UNIT_HEAD,
    "chuyen vien": Role.OFFICER,
    "can bo": Role.OFFICER,
    "dieu phoi": Role.COORDINATOR,
    "dau moi": Role.COORDINATOR,
    "quan tri": Role.ADMIN,
    "quan tri vien": Role.ADMIN,
}
_HEAD_TITLES = ("truong ", "chanh ", "chi cuc truong", "giam doc", "truong")
_USERNAME_RE = re.compile(r"[^a-z0-9._-]+")


def role_from_title(title: str | None, *, board: bool) -> Role:
    """The role a title implies: the heads of units, and in the board the (deputy) director."""
    key = fold(title or "")
    if board:
        if key.startswith("pho giam doc"):
            return Role.DEPUTY_DIRECTOR
        if key.startswith("giam doc"):
            return Role.DIRECTOR
        return Role.OFFICER
    if key.startswith("pho "):
        return Role.OFFICER
    return Role.UNIT_HEAD if key.startswith(_HEAD_TITLES) else Role.OFFICER


@dataclass
class Added:
    line: str
    username: str
    full_name: str
    email: str
    unit: str
    role: str
    title: str | None


@dataclass
class Changed:
    line: str
    username: str
    full_name: str
    changes: dict[str, list[Any]]  # field → [before, after]


@dataclass
class Moved:
    line: str
    username: str
    full_name: str
    from_unit: str
    to_unit: str
    role: str


@dataclass
class Deactivated:
    username: str
    full_name: str
    unit: str


@dataclass
class StaffDiff:
    """What importing a list would do (or did)."""

    added: list[Added] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    deactivated: list[Deactivated] = field(default_factory=list)
    unchanged: int = 0
    handed_over: int = 0  # open items handed to heads (after `apply`)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.moved or self.deactivated)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "moved": len(self.moved),
            "deactivated": len(self.deactivated),
            "unchanged": self.unchanged,
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "added": [asdict(a) for a in self.added],
            "changed": [asdict(c) for c in self.changed],
            "moved": [asdict(m) for m in self.moved],
            "deactivated": [asdict(d) for d in self.deactivated],
            "handed_over": self.handed_over,
        }


@dataclass
class _Plan:
    """The resolved rows: what `apply` writes."""

    diff: StaffDiff
    new_users: list[tuple[Added, int]] = field(default_factory=list)  # with the unit id
    updates: list[tuple[User, dict[str, Any]]] = field(default_factory=list)
    moves: list[tuple[User, int, str]] = field(default_factory=list)  # unit id, role
    reactivate: list[User] = field(default_factory=list)
    deactivate: list[User] = field(default_factory=list)


def _username_for(row: StaffRow, email: str) -> str:
    if row.username:
        return row.username.strip().lower()
    return _USERNAME_RE.sub("", email.split("@", 1)[0].lower()) or "user"


def _role_of(row: StaffRow) -> Role | None:
    if not row.role:
        return None
    return _ROLE_WORDS.get(fold(row.role).replace(" ", "_")) or _ROLE_WORDS.get(fold(row.role))


def _plan(session: Session, rows: list[StaffRow], *, source: str) -> _Plan:
    directory = load_directory(session=session)
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    everyone = list(session.exec(select(User)).all())
    by_email = {u.email.lower(): u for u in everyone}
    by_username = {u.username.lower(): u for u in everyone}
    errors: list[str] = []
    plan = _Plan(diff=StaffDiff())
    seen_emails: dict[str, str] = {}
    seen_usernames: dict[str, str] = {}
    matched: set[int] = set()
    resolved: dict[str, int | str] = {}

    def unit_of(row: StaffRow) -> int | None:
        if row.unit not in resolved:
            found = directory.resolve(row.unit)
            if isinstance(found, Resolved) and found.group is None and len(found.units) == 1:
                resolved[row.unit] = found.units[0].id or 0
            elif isinstance(found, Resolved):
                resolved[row.unit] = f"unit {row.unit!r} names a group of units, not one"
            else:
                resolved[row.unit] = f"unit {found.describe()}"
        target = resolved[row.unit]
        if isinstance(target, str):
            errors.append(f"{row.line}: {target}")
            return None
        return target

    for row in rows:
        where = row.line
        if not row.full_name:
            errors.append(f"{where}: 'Họ và tên' is empty")
            continue
        if not row.unit:
            errors.append(f"{where}: 'Đơn vị' is empty")
            continue
        try:
            email = str(_EMAIL.validate_python(row.email)).strip()
        except ValidationError:
            errors.append(f"{where}: e-mail {row.email!r} is not an address")
            continue
        key = email.lower()
        if key in seen_emails:
            errors.append(f"{where}: e-mail {email} is also on {seen_emails[key]}")
            continue
        seen_emails[key] = where
        role = _role_of(row)
        if row.role and role is None:
            errors.append(f"{where}: unknown role {row.role!r}")
            continue
        language = (row.language or "").lower() or None
        if language not in (None, "vi", "en"):
            errors.append(f"{where}: language is vi or en, not {row.language!r}")
            continue
        unit_id = unit_of(row)
        if unit_id is None:
            continue
        unit = units[unit_id]
        user = by_username.get(row.username.lower()) if row.username else None
        user = user or by_email.get(key)
        if user is not None and user.id in matched:
            errors.append(f"{where}: {user.username} is listed twice")
            continue
        if user is None:
            username = _username_for(row, email)
            if username in seen_usernames or username in by_username:
                errors.append(
                    f"{where}: username {username} is already taken: add a 'Tên đăng nhập'"
                )
                continue
            seen_usernames[username] = where
            new_role = role or role_from_title(row.title, board=unit.kind == UnitKind.BOARD)
            added = Added(
                line=where,
                username=username,
                full_name=row.full_name,
                email=email,
                unit=unit.code,
                role=new_role.value,
                title=row.title,
            )
            plan.diff.added.append(added)
            plan.new_users.append((added, unit_id))
            continue
        matched.add(user.id or 0)
        if key != user.email.lower() and key in by_email:
            errors.append(f"{where}: e-mail {email} is already used by {by_email[key].username}")
            continue
        wanted: dict[str, Any] = {"full_name": row.full_name, "title": row.title, "email": email}
        if language is not None:
            wanted["language"] = language
        new_role_value = role.value if role is not None else user.role
        changes = {
            k: [getattr(user, k), v]
            for k, v in wanted.items()
            if (getattr(user, k) or None) != (v or None)
            and not (k == "email" and str(getattr(user, k)).lower() == key)
        }
        if not user.is_active:
            changes["is_active"] = [False, True]
            plan.reactivate.append(user)
        if user.unit_id != unit_id:
            plan.diff.moved.append(
                Moved(
                    line=where,
                    username=user.username,
                    full_name=row.full_name,
                    from_unit=units[user.unit_id].code,
                    to_unit=unit.code,
                    role=new_role_value,
                )
            )
            plan.moves.append((user, unit_id, new_role_value))
        elif new_role_value != user.role:
            changes["role"] = [user.role, new_role_value]
        update = {k: v[1] for k, v in changes.items() if k != "is_active"}
        if update:
            plan.updates.append((user, update))
        if changes:
            plan.diff.changed.append(
                Changed(
                    line=where, username=user.username, full_name=row.full_name, changes=changes
                )
            )
        elif user.unit_id == unit_id:
            plan.diff.unchanged += 1
    for user in sorted(everyone, key=lambda u: (units[u.unit_id].code, u.full_name)):
        if user.is_active and user.id not in matched and user.role != Role.ADMIN.value:
            plan.deactivate.append(user)
            plan.diff.deactivated.append(
                Deactivated(
                    username=user.username,
                    full_name=user.full_name,
                    unit=units[user.unit_id].code,
                )
            )
    if errors:
        more = f"\n… and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        raise InvalidInput(
            f"{source}: {len(errors)} row(s) refused, nothing imported:\n"
            + "\n".join(errors[:MAX_ERRORS])
            + more,
            code="staff_rows",
        )
    return plan


def preview(*, session: Session, rows: list[StaffRow], source: str) -> StaffDiff:
    """What importing `rows` would do; InvalidInput listing every refused row."""
    return _plan(session, rows, source=source).diff


def apply(
    *,
    session: Session,
    now: datetime,
    actor: User | None,
    rows: list[StaffRow],
    source: str,
) -> StaffDiff:
    """Import the list in the caller's transaction (all or nothing: any refusal raises
    before or while writing, and the caller rolls back)."""
    plan = _plan(session, rows, source=source)
    for added, unit_id in plan.new_users:
        org.ensure_contact_free(
            session=session, username=added.username, email=added.email, user_id=None
        )
        person = User(
            username=added.username,
            email=added.email,
            full_name=added.full_name,
            title=added.title,
            unit_id=unit_id,
            role=added.role,
        )
        org_audit.add_person(session=session, now=now, actor=actor, user=person)
    for user, values in plan.updates:
        if "email" in values:
            org.ensure_contact_free(
                session=session, username=None, email=values["email"], user_id=user.id
            )
        if "role" in values:
            org.ensure_admin_remains(
                session=session, user=user, role=values["role"], is_active=user.is_active
            )
        org_audit.change(session=session, now=now, actor=actor, user=user, values=values)
    session.flush()
    for user in plan.reactivate:
        people.reactivate(session=session, now=now, actor=actor, user=user)
    for user, unit_id, role in plan.moves:
        done = people.move(
            session=session, now=now, actor=actor, user=user, unit_id=unit_id, role=role
        )
        plan.diff.handed_over += len(done.items)
    for user in plan.deactivate:
        done = people.deactivate(session=session, now=now, actor=actor, user=user)
        plan.diff.handed_over += len(done.items)
    session.flush()
    return plan.diff


def export_rows(*, session: Session) -> list[dict[str, str]]:
    """The active people in the import's columns (by unit code, then name)."""
    rows = session.exec(
        select(User, Unit)
        .join(Unit, col(Unit.id) == col(User.unit_id))
        .where(col(User.is_active))
        .order_by(col(Unit.code), col(User.full_name), col(User.id))
    ).all()
    out: list[dict[str, str]] = []
    for user, unit in rows:
        values = {
            "full_name": user.full_name,
            "title": user.title or "",
            "unit": unit.name,
            "email": user.email,
            "username": user.username,
            "role": user.role,
            "language": user.language,
        }
        out.append({header: values[key] for key, header in EXPORT_HEADERS})
    return out
