"""Names for units kept by the coordinator: aliases (tên gọi khác) and unit groups (nhóm
đơn vị), added and removed one at a time from the command line (`planflow org alias`,
`planflow plan import --map`) and the page Đơn vị và nhóm (/ui/units).

When an import is refused because a name does not resolve (`workflow.importer.units`), the
coordinator maps the name to a unit or a group here; the mapping is an alias (source
`mapped`), so the next import resolves the name. The organisation file's aliases and groups
(`workflow.services.org.load_org`) live in the same tables. Nothing here commits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.importer.text import fold
from workflow.importer.unit_names import (
    BUILTIN_CODES,
    BUILTIN_GROUPS,
    Directory,
    GroupDef,
    UnitInfo,
    load_directory,
)
from workflow.models.org import GroupRule, Role, UnitAlias, UnitGroup, UnitKind, User

log = logging.getLogger("planflow.unit_aliases")

# Who keeps the names: the coordinator (who imports plans) and administrators.
KEEPERS = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})
NAME_MAX = 255
_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def may_keep_names(actor: User | None) -> bool:
    """May `actor` add or remove aliases and groups? None is the command-line operator."""
    return actor is None or (actor.is_active and actor.role in KEEPERS)


def _check_actor(actor: User | None) -> None:
    if not may_keep_names(actor):
        assert actor is not None
        raise NotAllowed(
            f"{actor.username} ({actor.role}) may not change unit aliases or groups",
            code="not_allowed",
        )


@dataclass(frozen=True)
class AliasView:
    """An alias as pages and the command line list it."""

    alias: UnitAlias
    target_code: str
    target_name: str


@dataclass(frozen=True)
class GroupView:
    """A group (built-in or the organisation's) with its members today."""

    group: GroupDef
    members: tuple[UnitInfo, ...]
    removable: bool


def _clean(name: str) -> str:
    return " ".join(name.split())


def _owners(directory: Directory) -> dict[str, str]:
    """Folded own names (codes and names) of units and organisation groups → their code."""
    owners = {fold(n): u.code for u in directory.units for n in (u.code, u.name)}
    owners |= {fold(n): g.code for g in directory.groups for n in (g.code, g.name)}
    return owners


def target_label(directory: Directory, code: str) -> str:
    """The name of what an alias's target code names (the code itself when unknown)."""
    found = directory.target(code)
    return code if found is None else found.name


def add_alias(
    *, session: Session, now: datetime, actor: User | None, name: str, target: str
) -> tuple[UnitAlias, bool]:
    """Make `name` resolve to `target` (a unit's code, an organisation group's code or a
    built-in group's: `all`, `kind:division`...). Returns the alias and whether it is new;
    an existing alias of the same spelling is re-pointed.

    InvalidInput (with `code`) for an empty or long name (`alias_name`), an unknown target
    (`alias_target`), or a name that already is a unit's or group's own code or name
    (`alias_taken`).
    """
    _check_actor(actor)
    name = _clean(name)
    key = fold(name)
    if not key or len(name) > NAME_MAX:
        raise InvalidInput(
            f"an alias needs 1 to {NAME_MAX} characters, got {name!r}", code="alias_name"
        )
    directory = load_directory(session=session)
    target = target.strip()
    found = directory.target(target)
    if found is None:
        raise InvalidInput(
            f"unknown unit or group {target!r} (a unit code, a group code, "
            f"or one of {', '.join(sorted(BUILTIN_CODES))})",
            code="alias_target",
        )
    owners = _owners(directory)
    if key in owners:
        raise InvalidInput(
            f"{name!r} already is the name of {owners[key]!r}; it needs no alias",
            code="alias_taken",
        )
    is_unit = isinstance(found, UnitInfo)
    values: dict[str, Any] = {
        "name": name,
        "unit_id": found.id if isinstance(found, UnitInfo) else None,
        "group_code": None if is_unit else target,
        "source": "mapped",
        "created_at": now,
        "created_by_id": actor.id if actor else None,
    }
    row = session.exec(select(UnitAlias).where(UnitAlias.key == key)).first()
    created = row is None
    if row is None:
        row = UnitAlias(key=key, **values)
    else:
        for field, value in values.items():
            setattr(row, field, value)
    session.add(row)
    session.flush()
    log.info(
        "unit_alias_added name=%r target=%s actor=%s new=%s",
        name,
        target,
        actor.username if actor else "cli",
        created,
    )
    return row, created


def remove_alias(*, session: Session, actor: User | None, name: str) -> UnitAlias:
    """Forget the alias spelt `name` (any case or diacritics); NotFound when there is none."""
    _check_actor(actor)
    row = session.exec(select(UnitAlias).where(UnitAlias.key == fold(name))).first()
    if row is None:
        raise NotFound(f"no alias {_clean(name)!r}", code="alias_unknown")
    session.delete(row)
    session.flush()
    log.info("unit_alias_removed name=%r actor=%s", row.name, actor.username if actor else "cli")
    return row


def list_aliases(*, session: Session) -> list[AliasView]:
    """Every alias with what it names, by name."""
    directory = load_directory(session=session)
    code_of = {u.id: u.code for u in directory.units}
    out = []
    for a in session.exec(select(UnitAlias)).all():
        code = code_of.get(a.unit_id, "") if a.unit_id is not None else (a.group_code or "")
        out.append(AliasView(alias=a, target_code=code, target_name=target_label(directory, code)))
    return sorted(out, key=lambda v: fold(v.alias.name))


def list_groups(*, session: Session) -> list[GroupView]:
    """The built-in groups, then the organisation's, each with its members today."""
    directory = load_directory(session=session)
    return [
        GroupView(group=g, members=directory.members(g), removable=not g.builtin)
        for g in (*BUILTIN_GROUPS, *directory.groups)
    ]


def add_group(
    *,
    session: Session,
    actor: User | None,
    code: str,
    name: str,
    unit_codes: Sequence[str] = (),
    kinds: Sequence[str] = (),
) -> UnitGroup:
    """A new organisation group: the listed units, or every unit of the listed kinds.

    InvalidInput (with `code`) for a bad or taken code (`group_code`), a missing or taken
    name (`group_name`), neither or both of units and kinds, an unknown one (`group_members`).
    """
    _check_actor(actor)
    code, name = code.strip(), _clean(name)
    directory = load_directory(session=session)
    if not _CODE_RE.match(code) or code in BUILTIN_CODES or directory.target(code) is not None:
        raise InvalidInput(
            f"group code {code!r} is taken or not 1-40 letters, digits, '_', '-', '.'",
            code="group_code",
        )
    if not fold(name) or len(name) > NAME_MAX or fold(name) in _owners(directory):
        raise InvalidInput(
            f"a group needs a name of its own (1 to {NAME_MAX} characters), got {name!r}",
            code="group_name",
        )
    known_kinds = {k.value for k in UnitKind}
    if bool(unit_codes) == bool(kinds) or any(c not in directory.by_code for c in unit_codes):
        raise InvalidInput(
            "a group lists known units, or kinds of units, not both", code="group_members"
        )
    if any(k not in known_kinds for k in kinds):
        raise InvalidInput(f"unknown kind among {list(kinds)}", code="group_members")
    group = UnitGroup(
        code=code,
        name=name,
        rule=(GroupRule.KINDS if kinds else GroupRule.UNITS).value,
        kinds=list(dict.fromkeys(kinds)),
        unit_codes=list(dict.fromkeys(unit_codes)),
    )
    session.add(group)
    session.flush()
    log.info("unit_group_added code=%s actor=%s", code, actor.username if actor else "cli")
    return group


def remove_group(*, session: Session, actor: User | None, code: str) -> UnitGroup:
    """Remove an organisation group and the aliases naming it (built-in ones stay)."""
    _check_actor(actor)
    group = session.exec(select(UnitGroup).where(UnitGroup.code == code.strip())).first()
    if group is None:
        raise NotFound(f"no group {code.strip()!r}", code="group_unknown")
    for alias in session.exec(select(UnitAlias).where(col(UnitAlias.group_code) == group.code)):
        session.delete(alias)
    session.delete(group)
    session.flush()
    log.info("unit_group_removed code=%s actor=%s", group.code, actor.username if actor else "cli")
    return group
