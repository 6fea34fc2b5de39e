"""Unit names as plans write them, resolved to units: the one resolver of the import, the
pages and the command line.

A name resolves, first match wins, by (all case-, diacritics- and punctuation-tolerant,
`workflow.importer.text.fold`):
1. a unit's code or name, or an alias (`UnitAlias`: "VP Sở", "Phòng CCHC", or a name the
   coordinator mapped after an import refused it);
2. an organisation group's code or name (`UnitGroup`);
3. the name without a trailing "Sở"/"thuộc Sở ..." or without its type word ("Phòng",
   "Ban", "Chi cục", "Trung tâm"): "Văn phòng Sở" → Văn phòng, "Cải cách hành chính" → CCHC;
4. a built-in phrase (`BUILTIN_GROUPS`): "Các phòng, đơn vị thuộc Sở", "Các phòng, ban, đơn
   vị", "Các cơ quan, đơn vị thuộc Sở"... → every unit but the board; "Các phòng chuyên
   môn" → the divisions; "Các đơn vị sự nghiệp" → the public-service units.
A vague phrase ("Các đơn vị liên quan", "Các cơ quan có liên quan", "... khác") is never
guessed: it is unresolved until mapped by an alias. Any other name is unresolved with the
three nearest known names (difflib). A group that has no member unit is unresolved too.

`Directory` holds plain data (tests build one without a database); `load_directory` reads
it from a session.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlmodel import Session, col, select

from workflow.importer.text import fold
from workflow.models.org import GroupRule, Unit, UnitAlias, UnitGroup, UnitKind


@dataclass(frozen=True)
class UnitInfo:
    """A unit as the resolver knows it: a copy of the row's fields, so a resolution outlives
    the session it was read in (a dry run rolls its session back)."""

    id: int | None
    code: str
    name: str
    name_en: str | None = None
    kind: str = UnitKind.DIVISION.value

    @classmethod
    def of(cls, unit: Unit) -> UnitInfo:
        return cls(id=unit.id, code=unit.code, name=unit.name, name_en=unit.name_en, kind=unit.kind)


@dataclass(frozen=True)
class GroupDef:
    """A group's definition: its members are every non-board unit (`all`), the units of
    `kinds`, or the units `codes` lists."""

    code: str
    name: str
    name_en: str | None
    rule: GroupRule
    kinds: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # built-in spellings besides `name`
    builtin: bool = False


# Built-in groups: the phrases every agency's plans use. Their codes are what an alias
# targets (`planflow org alias add "Khối phòng" kind:division`); an organisation group's
# code may not take one. Phrases are matched folded, after a trailing "thuộc Sở ..." and a
# leading "tất cả" are dropped and "và" is read as a comma.
_ALL_PHRASES = (
    "Các phòng, đơn vị thuộc Sở",
    "Các phòng, ban, đơn vị",
    "Các phòng, ban, đơn vị thuộc Sở",
    "Các phòng, ban",
    "Các phòng, ban, chi cục, đơn vị",
    "Các phòng, chi cục, đơn vị",
    "Các phòng, ban, chi cục",
    "Các phòng, ban, chi cục, trung tâm",
    "Các phòng, ban, trung tâm",
    "Các phòng, ban chuyên môn, đơn vị",
    "Các phòng chuyên môn, đơn vị",
    "Các phòng chuyên môn, đơn vị sự nghiệp",
    "Các cơ quan, đơn vị thuộc Sở",
    "Các cơ quan, đơn vị",
    "Các đơn vị thuộc Sở",
    "Các đơn vị trực thuộc Sở",
    "Các đơn vị",
    "Tất cả các phòng, đơn vị",
    "Toàn thể các phòng, đơn vị",
)


def _kinds(
    code: str, name: str, name_en: str, kinds: tuple[UnitKind, ...], *phrases: str
) -> GroupDef:
    """A built-in group of the units of some kinds, with the phrases plans call it by."""
    return GroupDef(
        code=code,
        name=name,
        name_en=name_en,
        rule=GroupRule.KINDS,
        kinds=tuple(k.value for k in kinds),
        phrases=phrases,
        builtin=True,
    )


BUILTIN_GROUPS: tuple[GroupDef, ...] = (
    GroupDef(
        code="all",
        name="Các phòng, đơn vị thuộc Sở",
        name_en="All units of the department (not the board)",
        rule=GroupRule.ALL,
        phrases=_ALL_PHRASES,
        builtin=True,
    ),
    _kinds(
        "kind:division",
        "Các phòng chuyên môn",
        "The divisions",
        (UnitKind.DIVISION,),
        "Các phòng chuyên môn, nghiệp vụ",
        "Các phòng nghiệp vụ",
        "Các phòng chuyên môn thuộc Sở",
        "Các phòng chuyên môn nghiệp vụ thuộc Sở",
    ),
    _kinds(
        "kind:rooms",
        "Các phòng thuộc Sở",
        "The office, the inspectorate and the divisions",
        (UnitKind.OFFICE, UnitKind.INSPECTORATE, UnitKind.DIVISION),
        "Các phòng",
        "Văn phòng, Thanh tra và các phòng chuyên môn",
    ),
    _kinds(
        "kind:subdepartment",
        "Các chi cục",
        "The sub-departments",
        (UnitKind.SUBDEPARTMENT,),
        "Các chi cục thuộc Sở",
        "Các chi cục, ban",
    ),
    _kinds(
        "kind:public_service",
        "Các đơn vị sự nghiệp",
        "The public-service units",
        (UnitKind.PUBLIC_SERVICE,),
        "Các đơn vị sự nghiệp công lập",
        "Các đơn vị sự nghiệp thuộc Sở",
        "Các đơn vị sự nghiệp trực thuộc",
        "Các trung tâm",
    ),
)
BUILTIN_CODES = frozenset(g.code for g in BUILTIN_GROUPS)

_TYPE_WORDS = ("phong ", "ban ", "chi cuc ", "trung tam ")
# "... thuộc Sở", "... trực thuộc Sở Nội vụ", "... của Sở": the agency, whatever it is called.
_OF_AGENCY_RE = re.compile(r"\s+(?:truc thuoc|thuoc|cua|trong)(?:\s+(?:so|co quan)\b.*)?$")
_TRAILING_SO_RE = re.compile(r"\s+so$")
_LEADING_ALL_RE = re.compile(r"^(?:tat ca|toan the|toan bo)\s+")
# Names that point at no unit in particular: asked to be mapped, never guessed.
_VAGUE_RE = re.compile(
    r"\blien quan\b|\bkhac$|\bchuc nang nhiem vu\b|\btheo phan cong\b|\bduoc giao\b|"
    r"\bco lien quan\b|\btuy theo\b|\bneu co\b"
)

Reason = Literal["unknown", "vague", "empty"]


@dataclass(frozen=True)
class Resolved:
    """A name that resolved: one unit, or a group's member units (organisation order)."""

    name: str
    units: tuple[UnitInfo, ...]
    group: GroupDef | None = None

    @property
    def label(self) -> str:
        """How the preview names what the name meant: the unit's, or the group's name."""
        return self.group.name if self.group else self.units[0].name


@dataclass(frozen=True)
class Unresolved:
    """A name that did not resolve, why, the three nearest known names, and where it was
    written (`loc`, e.g. "table 1 row 4"; set by the caller)."""

    name: str
    reason: Reason
    nearest: tuple[str, ...] = ()
    loc: str = ""

    def describe(self) -> str:
        why = {
            "unknown": "unknown unit or group",
            "vague": "too vague to guess which units",
            "empty": "a group without any unit in the organisation",
        }[self.reason]
        where = f"{self.loc}: " if self.loc else ""
        near = f" (nearest: {', '.join(self.nearest)})" if self.nearest else ""
        return f"{where}{self.name!r}: {why}{near}"

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "loc": self.loc,
            "reason": self.reason,
            "nearest": list(self.nearest),
        }


Resolution = Resolved | Unresolved


@dataclass
class Directory:
    """Every name a unit or group goes by, folded, and the units in organisation order."""

    units: list[UnitInfo]
    groups: list[GroupDef] = field(default_factory=list)
    # an alias as written → a unit code or a group code
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {u.code: u for u in self.units}
        self.groups_by_code = {g.code: g for g in (*BUILTIN_GROUPS, *self.groups)}
        # A unit by its folded code, name and English name, and by its name without the
        # type word ("cai cach hanh chinh"); the first unit in organisation order wins.
        self._units: dict[str, UnitInfo] = {}
        self._bare: dict[str, UnitInfo] = {}
        for unit in self.units:
            for key in (fold(unit.code), fold(unit.name), fold(unit.name_en or "")):
                if key:
                    self._units.setdefault(key, unit)
            self._bare.setdefault(_bare(fold(unit.name)), unit)
        self._groups = {
            fold(name): g for g in self.groups for name in (g.code, g.name, g.name_en or "") if name
        }
        self._aliases = {fold(name): code for name, code in self.aliases.items()}
        self._phrases = {_phrase_key(p): g for g in BUILTIN_GROUPS for p in (g.name, *g.phrases)}

    def members(self, group: GroupDef) -> tuple[UnitInfo, ...]:
        """The group's units, in organisation order; the board only when listed by code."""
        if group.rule == GroupRule.ALL:
            return tuple(u for u in self.units if u.kind != UnitKind.BOARD.value)
        if group.rule == GroupRule.KINDS:
            return tuple(u for u in self.units if u.kind in group.kinds)
        listed = set(group.codes)
        return tuple(u for u in self.units if u.code in listed)

    def target(self, code: str) -> UnitInfo | GroupDef | None:
        """What an alias's target code names: a unit, a group (built-in or not), or None."""
        return self.by_code.get(code) or self.groups_by_code.get(code)

    def _group(self, name: str, group: GroupDef) -> Resolution:
        members = self.members(group)
        if not members:
            return Unresolved(name=name, reason="empty")
        return Resolved(name=name, units=members, group=group)

    def _alias(self, name: str, key: str) -> Resolution | None:
        code = self._aliases.get(key)
        found = self.target(code) if code else None
        if isinstance(found, UnitInfo):
            return Resolved(name=name, units=(found,))
        if isinstance(found, GroupDef):
            return self._group(name, found)
        return None

    def resolve(self, name: str) -> Resolution:
        """What `name` means (see the module's docstring for the order)."""
        key = fold(name)
        if not key:
            return Unresolved(name=name, reason="unknown")
        if unit := self._units.get(key):
            return Resolved(name=name, units=(unit,))
        if found := self._alias(name, key):
            return found
        if group := self._groups.get(key):
            return self._group(name, group)
        for short in (key, *_shorter(key)):
            # "Cải cách hành chính", "Phòng CCHC", "Văn phòng Sở"
            bare = _bare(short)
            if unit := self._bare.get(short) or self._bare.get(bare) or self._units.get(bare):
                return Resolved(name=name, units=(unit,))
            if short != key and (found := self._alias(name, short)):
                return found
        if _VAGUE_RE.search(key):
            return Unresolved(name=name, reason="vague", nearest=self.nearest(name))
        if group := self._phrases.get(_phrase_key(name)):
            return self._group(name, group)
        return Unresolved(name=name, reason="unknown", nearest=self.nearest(name))

    def known_names(self) -> list[str]:
        """Every name to suggest: units' names and codes, aliases, groups' names."""
        names = [n for u in self.units for n in (u.name, u.code)]
        names += [g.name for g in self.groups_by_code.values() if self.members(g)]
        names += list(self.aliases)
        # One spelling per folded name: "Phòng Công chức, viên chức" and "... viên chức".
        unique: dict[str, str] = {}
        for name in names:
            unique.setdefault(fold(name), name)
        return list(unique.values())

    def nearest(self, name: str, n: int = 3) -> tuple[str, ...]:
        """The `n` known names closest to `name` (folded, difflib's ratio), best first."""
        key = fold(name)
        scored = sorted(
            ((difflib.SequenceMatcher(None, key, fold(k)).ratio(), i, k)
             for i, k in enumerate(self.known_names())),
            key=lambda t: (-t[0], t[1]),
        )  # fmt: skip
        return tuple(k for _score, _i, k in scored[:n])


def _bare(key: str) -> str:
    for word in _TYPE_WORDS:
        if key.startswith(word):
            return key.removeprefix(word)
    return key


def _shorter(key: str) -> list[str]:
    """The name without "thuộc Sở ..." or a trailing "Sở": "van phong so" → "van phong"."""
    out = []
    for pattern in (_OF_AGENCY_RE, _TRAILING_SO_RE):
        short = pattern.sub("", key)
        if short and short != key and short not in out:
            out.append(short)
    return out


def _phrase_key(text: str) -> str:
    """A built-in phrase's matching key: folded, without "tất cả", "thuộc Sở ..." or "và"."""
    key = _LEADING_ALL_RE.sub("", fold(text))
    key = _OF_AGENCY_RE.sub("", key)
    return " ".join(w for w in key.split() if w != "va")


def group_def(group: UnitGroup) -> GroupDef:
    """An organisation group's definition, as the resolver reads it."""
    return GroupDef(
        code=group.code,
        name=group.name,
        name_en=group.name_en,
        rule=GroupRule(group.rule),
        kinds=tuple(group.kinds or ()),
        codes=tuple(group.unit_codes or ()),
    )


def load_directory(*, session: Session) -> Directory:
    """The directory of the organisation in `session`: units (by id), groups, aliases."""
    units = [UnitInfo.of(u) for u in session.exec(select(Unit).order_by(col(Unit.id))).all()]
    groups = [group_def(g) for g in session.exec(select(UnitGroup).order_by(col(UnitGroup.id)))]
    code_of = {u.id: u.code for u in units}
    aliases: dict[str, str] = {}
    for a in session.exec(select(UnitAlias).order_by(col(UnitAlias.id))).all():
        target = code_of.get(a.unit_id) if a.unit_id is not None else a.group_code
        if target:
            aliases[a.name] = target
    return Directory(units=units, groups=groups, aliases=aliases)


def resolve_names(directory: Directory, names: Iterable[str]) -> dict[str, Resolution]:
    """Each distinct name's resolution."""
    return {name: directory.resolve(name) for name in dict.fromkeys(names)}
