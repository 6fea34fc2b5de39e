"""Indicators (chỉ tiêu) from objective text: comparator, value, year and identity.

"tối thiểu 80%" → ≥ 80, "trên 70%" → > 70, "100%" → = 100, "top 10" → rank ≤ 10,
"tăng tối thiểu 20%" → increase ≥ 20. Each clause of an objective carries at most one
target (its first number); the same indicator in two milestone years is recognised by the
similarity of its words with the numbers and comparator words left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflow.importer.match import fresh_key
from workflow.importer.text import digest, similarity, words
from workflow.importer.tree import AreaNode, IndicatorNode, Target

SAME_INDICATOR = 0.5

_QUALIFIERS = {
    "tăng tối thiểu": "increase>=",
    "tăng ít nhất": "increase>=",
    "tối thiểu": ">=",
    "ít nhất": ">=",
    "từ": ">=",
    "không quá": "<=",
    "tối đa": "<=",
    "trên": ">",
    "hơn": ">",
    "dưới": "<",
}
_QUAL_ALT = "|".join(q.replace(" ", r"\s+") for q in _QUALIFIERS)
_PERCENT = re.compile(
    rf"(?<!\w)(?:(?P<q>{_QUAL_ALT})\s+)?(?P<v>\d+(?:[.,]\d+)?)\s*%(?P<after>\s*trở\s+lên)?",
    re.IGNORECASE,
)
_RANK = re.compile(r"(?<!\w)(?:top|tốp)\s+(?P<v>\d+)", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=\.)\s+")
_AMONG = re.compile(r"[,;]\s*(?=trong số đó\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """One numeric target found in a clause."""

    clause: str
    comparator: str
    value: float
    measure_unit: str


def clauses(text: str) -> list[str]:
    """Sentences (a full stop before a capital) further split at ', trong số đó'."""
    sentences: list[str] = []
    for piece in _SENTENCE.split(text):
        if sentences and piece[:1].islower():
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return [c.strip() for s in sentences for c in _AMONG.split(s) if c.strip()]


def find_target(clause: str) -> Found | None:
    """The first percentage or rank in a clause with its comparator, or None."""
    pct, rank = _PERCENT.search(clause), _RANK.search(clause)
    if rank and (pct is None or rank.start() < pct.start()):
        return Found(clause, "rank<=", float(rank.group("v")), "rank")
    if pct is None:
        return None
    qualifier = " ".join((pct.group("q") or "").casefold().split())
    comparator = _QUALIFIERS.get(qualifier, ">=" if pct.group("after") else "=")
    return Found(clause, comparator, float(pct.group("v").replace(",", ".")), "%")


def extract(text: str) -> list[Found]:
    """Every clause of an objective that carries a number; none for a qualitative one."""
    return [f for c in clauses(text) if (f := find_target(c)) is not None]


def derive(area: AreaNode, *, end_year: int | None) -> list[IndicatorNode]:
    """The area's indicators with one target per year; undated targets are for `end_year`."""
    by_year: dict[int, list[tuple[int, Found]]] = {}
    for index, objective in enumerate(area.objectives):
        year = objective.milestone_year or end_year
        if year is None:
            continue  # no year to hold the target against: stays a qualitative objective
        by_year.setdefault(year, []).extend((index, f) for f in extract(objective.text))
    indicators: list[IndicatorNode] = []
    keys: set[str] = set()
    for year in sorted(by_year):
        found = by_year[year]
        pairs = _pair(found, [i for i in indicators if all(t.year != year for t in i.targets)])
        for pos, (index, f) in enumerate(found):
            target = Target(year, f.comparator, f.value, f.clause, index)
            if pos in pairs:
                pairs[pos].targets.append(target)
                continue
            base = f"a{area.number}-i-{digest(' '.join(sorted(words(f.clause))))}"
            key = fresh_key(base, keys)
            indicators.append(IndicatorNode(key, f.clause, f.measure_unit, index, [target]))
    return indicators


def _pair(
    found: list[tuple[int, Found]], open_indicators: list[IndicatorNode]
) -> dict[int, IndicatorNode]:
    """Best-first pairing of this year's targets with earlier indicators of the same unit."""
    scored = sorted(
        (
            (similarity(f.clause, ind.name), pos, n)
            for pos, (_, f) in enumerate(found)
            for n, ind in enumerate(open_indicators)
            if ind.measure_unit == f.measure_unit
        ),
        key=lambda s: (-s[0], s[1], s[2]),
    )
    pairs: dict[int, IndicatorNode] = {}
    taken: set[int] = set()
    for score, pos, n in scored:
        if score >= SAME_INDICATOR and pos not in pairs and n not in taken:
            pairs[pos] = open_indicators[n]
            taken.add(n)
    return pairs
