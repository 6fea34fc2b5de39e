"""The organisation (cơ cấu tổ chức): loading it from YAML, the rules every account change
keeps (unique username and e-mail, at least one active administrator), and walking the
reporting line.

The file lists units (with their kind and aliases), unit groups (nhóm đơn vị: every unit,
the units of some kinds, or a list; with aliases) and users; `deploy/sample/org.yaml` shows
every key. Loading is idempotent and all or nothing: everything is checked, each mistake
naming its line, before anything is written. Units, groups and aliases the file no longer
lists stay (work items and plans point at units; aliases are removed with `planflow org
alias remove`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, ValidationError, model_validator
from sqlmodel import Session, col, func, or_, select

from workflow.errors import Conflict, InvalidInput
from workflow.importer.text import fold
from workflow.importer.unit_names import BUILTIN_CODES
from workflow.models.org import GroupRule, Role, Unit, UnitAlias, UnitGroup, UnitKind, User
from workflow.yamlio import LINE_KEY, load_yaml_with_lines

R = TypeVar("R", Unit, User)


class _UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    name_en: str | None = None
    board: bool = False
    kind: UnitKind | None = None
    parent: str | None = None
    overseer: str | None = None
    aliases: list[str] = []

    @model_validator(mode="after")
    def _board_is_a_kind(self) -> _UnitIn:
        if self.board and self.kind not in (None, UnitKind.BOARD):
            raise ValueError(f"a board unit has kind 'board', not {self.kind.value!r}")
        return self

    def unit_kind(self) -> UnitKind:
        """The kind given, else read from the name ("Phòng ..." is a division...)."""
        if self.board:
            return UnitKind.BOARD
        return self.kind or kind_from_name(self.name)


class _GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    name_en: str | None = None
    all: bool = False
    kinds: list[UnitKind] = []
    units: list[str] = []
    aliases: list[str] = []

    @model_validator(mode="after")
    def _one_rule(self) -> _GroupIn:
        if sum((self.all, bool(self.kinds), bool(self.units))) != 1:
            raise ValueError("give exactly one of 'all: true', 'kinds:' or 'units:'")
        return self

    def rule(self) -> GroupRule:
        if self.all:
            return GroupRule.ALL
        return GroupRule.KINDS if self.kinds else GroupRule.UNITS


class _UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    full_name: str
    email: EmailStr
    unit: str
    role: Role
    title: str | None = None
    language: str = "vi"


@dataclass
class OrgLoadResult:
    """What a load changed, by kind of object."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    # Users the load moved to another unit (their items are handed over by the caller,
    # `workflow.services.people.load_org_file`), and the usernames the file lists.
    moved_ids: list[int] = field(default_factory=list)
    listed_usernames: set[str] = field(default_factory=set)
    # What `people.load_org_file` did after the load: accounts deactivated and the items
    # handed to heads to reassign.
    deactivated: list[str] = field(default_factory=list)
    handed_over: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


def _parse(raw: Any, model: type[BaseModel], *, source: str) -> Any:
    line = raw.get(LINE_KEY, "?") if isinstance(raw, dict) else "?"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{source}: line {line}: expected a mapping, got {raw!r}")
    data = {k: v for k, v in raw.items() if k != LINE_KEY}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{source}: line {line}: {loc}: {first['msg']}") from exc


# A unit's name → its kind, when the file does not say (docs/org-units.md).
_KIND_WORDS = (
    ("ban giam doc", UnitKind.BOARD),
    ("van phong", UnitKind.OFFICE),
    ("thanh tra", UnitKind.INSPECTORATE),
    ("phong ", UnitKind.DIVISION),
    ("chi cuc ", UnitKind.SUBDEPARTMENT),
    ("ban ", UnitKind.SUBDEPARTMENT),
    ("trung tam ", UnitKind.PUBLIC_SERVICE),
    ("don vi su nghiep", UnitKind.PUBLIC_SERVICE),
)


def kind_from_name(name: str) -> UnitKind:
    """A unit's kind as its name tells it: "Văn phòng" an office, "Phòng ..." a division,
    "Chi cục ..."/"Ban ..." a sub-department, "Trung tâm ..." a public-service unit."""
    key = fold(name)
    for prefix, kind in _KIND_WORDS:
        if key.startswith(prefix):
            return kind
    return UnitKind.DIVISION


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    row: R | None,
    new: Callable[[], R],
    values: dict[str, Any],
    *,
    label: str,
    result: OrgLoadResult,
) -> R:
    """The existing `row` brought to `values`, or a `new()` one; counted in `result`."""
    if row is None:
        row = new()
        session.add(row)
        result.created.append(label)
    elif _apply(row, values):
        result.updated.append(label)
    else:
        result.unchanged += 1
    return row


def load_org(*, session: Session, text: str, source: str = "org.yaml") -> OrgLoadResult:
    """Create or update units, groups, aliases and users from YAML; validate everything
    before writing."""
    doc = load_yaml_with_lines(text, source=source)
    if not isinstance(doc, dict) or not isinstance(doc.get("units"), list):
        raise InvalidInput(f"{source}: expected top-level 'units:' and 'users:' lists")
    units = [_parse(u, _UnitIn, source=source) for u in doc["units"]]
    raw_users = doc.get("users") or []
    users = [_parse(u, _UserIn, source=source) for u in raw_users]
    raw_groups = doc.get("groups") or []
    if not isinstance(raw_groups, list):
        raise InvalidInput(f"{source}: 'groups:' must be a list")
    groups = [_parse(g, _GroupIn, source=source) for g in raw_groups]
    lines = {
        id(u): r.get(LINE_KEY)
        for u, r in zip(
            [*units, *users, *groups], [*doc["units"], *raw_users, *raw_groups], strict=True
        )
    }

    unit_codes = {u.code for u in units} | set(session.exec(select(Unit.code)).all())
    usernames = {u.username for u in users} | set(session.exec(select(User.username)).all())
    for u in units:
        if u.parent and u.parent not in unit_codes:
            raise InvalidInput(f"{source}: line {lines[id(u)]}: unknown parent unit {u.parent!r}")
        if u.overseer and u.overseer not in usernames:
            raise InvalidInput(f"{source}: line {lines[id(u)]}: unknown overseer {u.overseer!r}")
    emails: dict[str, str] = {}
    for usr in users:
        where = f"{source}: line {lines[id(usr)]}"
        if usr.unit not in unit_codes:
            raise InvalidInput(f"{where}: unknown unit {usr.unit!r}")
        email = str(usr.email).lower()
        if email in emails:
            raise InvalidInput(f"{where}: e-mail {usr.email} is also given to {emails[email]}")
        emails[email] = usr.username
        holder = session.exec(
            select(User.username).where(
                func.lower(col(User.email)) == email, User.username != usr.username
            )
        ).first()
        if holder is not None:
            raise InvalidInput(f"{where}: e-mail {usr.email} is already used by account {holder}")
    admins_before = _active_admins(session)
    aliases = _check_names(session, units, groups, unit_codes, lines, source=source)

    result = OrgLoadResult()
    by_code: dict[str, Unit] = {}
    for u in units:
        unit = session.exec(select(Unit).where(Unit.code == u.code)).first()
        kind = u.unit_kind()
        values = {
            "name": u.name,
            "name_en": u.name_en,
            "is_board": kind == UnitKind.BOARD,
            "kind": kind.value,
        }
        by_code[u.code] = _upsert(
            session,
            unit,
            partial(Unit, code=u.code, **values),
            values,
            label=f"unit {u.code}",
            result=result,
        )
    session.flush()
    for unit in session.exec(select(Unit).where(col(Unit.code).not_in(by_code))).all():
        by_code[unit.code] = unit

    by_username: dict[str, User] = {}
    for usr in users:
        user = session.exec(select(User).where(User.username == usr.username)).first()
        values = {
            "full_name": usr.full_name,
            "email": str(usr.email),
            "unit_id": by_code[usr.unit].id,
            "role": usr.role.value,
            "title": usr.title,
            "language": usr.language,
        }
        result.listed_usernames.add(usr.username)
        if user is not None and user.id is not None and user.unit_id != values["unit_id"]:
            result.moved_ids.append(user.id)
        by_username[usr.username] = _upsert(
            session,
            user,
            partial(User, username=usr.username, **values),
            values,
            label=f"user {usr.username}",
            result=result,
        )
    session.flush()

    for u in units:
        unit = by_code[u.code]
        overseer = None
        if u.overseer:
            found = (
                by_username.get(u.overseer)
                or session.exec(select(User).where(User.username == u.overseer)).one()
            )
            overseer = found.id
        parent = by_code[u.parent].id if u.parent else None
        if _apply(unit, {"overseer_id": overseer, "parent_id": parent}):
            label = f"unit {u.code}"
            if label not in result.created and label not in result.updated:
                result.updated.append(label)
                result.unchanged -= 1
    session.flush()
    _write_groups(session, groups, result)
    _write_aliases(session, aliases, by_code, result)
    session.flush()
    if admins_before and not _active_admins(session):
        # The caller rolls the whole load back: nothing half-written.
        raise Conflict(f"{source}: the load would leave no active administrator")
    return result


def _active_admins(session: Session) -> int:
    return len(
        session.exec(
            select(User.id).where(User.role == Role.ADMIN.value, col(User.is_active))
        ).all()
    )


# An alias of the file: (name as written, unit code or group code, is it a group's, line).
_AliasIn = tuple[str, str, bool, Any]


def _check_names(
    session: Session,
    units: list[_UnitIn],
    groups: list[_GroupIn],
    unit_codes: set[str],
    lines: dict[int, Any],
    *,
    source: str,
) -> list[_AliasIn]:
    """Groups' codes and members, and every alias: one meaning per folded name."""
    seen_groups: set[str] = set()
    for g in groups:
        where = f"{source}: line {lines[id(g)]}"
        if g.code in unit_codes:
            raise InvalidInput(f"{where}: group code {g.code!r} is a unit's code")
        if g.code in BUILTIN_CODES or ":" in g.code:
            raise InvalidInput(f"{where}: group code {g.code!r} is reserved for built-in groups")
        if g.code in seen_groups:
            raise InvalidInput(f"{where}: group {g.code!r} is listed twice")
        seen_groups.add(g.code)
        for code in g.units:
            if code not in unit_codes:
                raise InvalidInput(f"{where}: group {g.code!r}: unknown unit {code!r}")
    # What each folded name already means: the units' codes and names, the groups'.
    meaning: dict[str, str] = {}
    for unit in session.exec(select(Unit)).all():
        for name in (unit.code, unit.name):
            meaning.setdefault(fold(name), unit.code)
    for u in units:
        for name in (u.code, u.name):
            meaning[fold(name)] = u.code
    for g in groups:
        for name in (g.code, g.name):
            meaning.setdefault(fold(name), g.code)
    out: list[_AliasIn] = []
    items = [(u.code, u.aliases, False, lines[id(u)]) for u in units]
    items += [(g.code, g.aliases, True, lines[id(g)]) for g in groups]
    for target, names, is_group, line in items:
        for name in names:
            key = fold(name)
            where = f"{source}: line {line}: alias {name!r}"
            if not key or len(name.strip()) > 255:
                raise InvalidInput(f"{where}: an alias needs 1 to 255 characters")
            if meaning.get(key, target) != target:
                raise InvalidInput(f"{where} already names {meaning[key]!r}")
            meaning[key] = target
            out.append((" ".join(name.split()), target, is_group, line))
    return out


def _write_groups(session: Session, groups: list[_GroupIn], result: OrgLoadResult) -> None:
    for g in groups:
        row = session.exec(select(UnitGroup).where(UnitGroup.code == g.code)).first()
        values: dict[str, Any] = {
            "name": g.name,
            "name_en": g.name_en,
            "rule": g.rule().value,
            "kinds": [k.value for k in g.kinds],
            "unit_codes": list(g.units),
        }
        if row is None:
            session.add(UnitGroup(code=g.code, **values))
            result.created.append(f"group {g.code}")
        elif _apply(row, values):
            result.updated.append(f"group {g.code}")
        else:
            result.unchanged += 1


def _write_aliases(
    session: Session, aliases: list[_AliasIn], by_code: dict[str, Unit], result: OrgLoadResult
) -> None:
    """The file's aliases; one the coordinator mapped before becomes the file's."""
    for name, target, is_group, _line in aliases:
        key = fold(name)
        row = session.exec(select(UnitAlias).where(UnitAlias.key == key)).first()
        values: dict[str, Any] = {
            "name": name,
            "unit_id": None if is_group else by_code[target].id,
            "group_code": target if is_group else None,
            "source": "org",
        }
        if row is None:
            session.add(UnitAlias(key=key, **values))
            result.created.append(f"alias {name!r}")
        elif _apply(row, values):
            result.updated.append(f"alias {name!r}")
        else:
            result.unchanged += 1


def unit_head(*, session: Session, unit_id: int) -> User | None:
    """The head (trưởng đơn vị) of a unit: its active user with role unit_head."""
    return session.exec(
        select(User)
        .where(User.unit_id == unit_id, User.role == Role.UNIT_HEAD.value, col(User.is_active))
        .order_by(col(User.id))
    ).first()


def overseer(*, session: Session, unit_id: int) -> User | None:
    """The deputy director in charge (Phó Giám đốc phụ trách) of a unit."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.overseer_id is None:
        return None
    return session.get(User, unit.overseer_id)


def director(*, session: Session) -> User | None:
    """The director (Giám đốc) of the agency."""
    return session.exec(
        select(User)
        .where(User.role == Role.DIRECTOR.value, col(User.is_active))
        .order_by(col(User.id))
    ).first()


def ensure_contact_free(
    *, session: Session, username: str | None, email: str | None, user_id: int | None
) -> None:
    """Conflict when another account than `user_id` already has this username or e-mail.

    Compared case-insensitively, as sign-in compares them: two accounts whose e-mails
    differ only in case would make a login ambiguous.
    """
    tests = []
    if username is not None:
        tests.append(func.lower(col(User.username)) == username.strip().lower())
    if email is not None:
        tests.append(func.lower(col(User.email)) == email.strip().lower())
    if not tests:
        return
    query = select(User).where(or_(*tests))
    if user_id is not None:
        query = query.where(User.id != user_id)
    clash = session.exec(query).first()
    if clash is None:
        return
    if email is not None and clash.email.lower() == email.strip().lower():
        raise ContactTaken(
            f"e-mail {email} is already used by account {clash.username}",
            field="email",
            value=email.strip(),
            holder=clash.username,
        )
    raise ContactTaken(
        f"username {username} is already taken",
        field="username",
        value=(username or "").strip(),
        holder=None,
    )


class ContactTaken(Conflict):
    """Another account already has this username or e-mail (`field`, `value`); `holder`
    names the account holding the e-mail (a taken username needs no name: it is the name)."""

    def __init__(self, message: str, *, field: str, value: str, holder: str | None) -> None:
        super().__init__(message, code=f"{field}_taken")
        self.field = field
        self.value = value
        self.holder = holder

    def extensions(self) -> dict[str, Any]:
        return {"field": self.field, "holder": self.holder}


def ensure_admin_remains(*, session: Session, user: User, role: str, is_active: bool) -> None:
    """Conflict when giving `user` this role and activation would leave no active
    administrator (nobody could then manage accounts from the application).

    The active administrators are locked (PostgreSQL) so two administrators demoting each
    other at the same moment cannot both succeed.
    """
    if user.role != Role.ADMIN.value or not user.is_active:
        return
    if role == Role.ADMIN.value and is_active:
        return
    others = session.exec(
        select(User.id)
        .where(User.role == Role.ADMIN.value, col(User.is_active), User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise Conflict(
            f"{user.username} is the last active administrator: make another account an"
            " administrator first",
            code="last_admin",
        )
