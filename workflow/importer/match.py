"""Pairing the nodes of a new import with the rows of the previous one.

Stable identity is, in order: the same key, the same normalised text, then the most
similar text (a reworded task is an update, not a withdrawal plus a new task). Tasks are
paired across the whole plan, so a task that moves to another area or parent keeps its row.

The cost is linear in the plan: equal keys and texts are looked up in dictionaries, and
similar texts are compared only with candidates that share an uncommon word (an inverted
index), at most `CANDIDATES` per text. Small groups (`ALL_PAIRS` pairs or fewer) still
compare every pair, which is what every real plan's area is.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from workflow.importer.text import normalise, words

SAME_NODE = 0.5
# Up to this many (new, old) pairs in one group, every pair is compared (exact best-first).
ALL_PAIRS = 4096
# A word found in more old texts than this proposes no candidates: it tells texts apart no
# better than "cải cách" does.
COMMON = 64
# At most this many of a text's rarest words are looked up in the index.
LOOKUPS = 4
# At most this many candidates (those sharing the most uncommon words) are scored per text.
CANDIDATES = 16
# In a large group, a new text is first compared with the old ones this close to its place in
# the sequence (a reworded task rarely moves far), and paired at once when this similar.
NEAR = 2
SURE = 0.7


@dataclass
class MatchStats:
    """How much work a pairing did; the linearity test counts it instead of timing it."""

    comparisons: int = 0


@dataclass(frozen=True)
class TaskRef:
    """A task for pairing: its area number, its parent (index in the same list), its text.

    Lists are in document order (a parent before its children); `key` is None for new nodes.
    """

    area: int
    parent: int | None
    text: str
    key: str | None = None
    position: int = 0


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _equal(
    new: Sequence[int],
    old: Sequence[int],
    new_values: Sequence[Hashable | None],
    old_values: Sequence[Hashable | None],
    used: set[int],
) -> list[tuple[int, int]]:
    """Pairs of equal values, each new index with the first unused old one in order."""
    index: dict[Hashable, deque[int]] = defaultdict(deque)
    for o in old:
        if old_values[o] is not None and o not in used:
            index[old_values[o]].append(o)
    found: list[tuple[int, int]] = []
    taken: set[int] = set()
    for n in new:
        queue = index.get(new_values[n]) if new_values[n] is not None else None
        while queue and queue[0] in taken:
            queue.popleft()
        if queue:
            o = queue.popleft()
            taken.add(o)
            found.append((n, o))
    return found


def _similar(
    new: Sequence[int],
    old: Sequence[int],
    new_words: Sequence[frozenset[str]],
    old_words: Sequence[frozenset[str]],
    *,
    threshold: float,
    stats: MatchStats,
    ordered: bool = False,
) -> list[tuple[int, int]]:
    """Best-first pairs with Jaccard similarity ≥ threshold, each index used once.

    `ordered`: both lists are in document order (siblings), so in a large group a new text
    is first compared with the old ones near its place and paired at once if `SURE`.
    """
    if not new or not old:
        return []
    scored: list[tuple[float, int, int]] = []
    found: list[tuple[int, int]] = []
    taken: set[int] = set()
    if len(new) * len(old) <= ALL_PAIRS:
        for n in new:
            for o in old:
                score = _jaccard(new_words[n], old_words[o])
                if score >= threshold:
                    scored.append((-score, n, o))
        stats.comparisons += len(new) * len(old)
    else:
        postings: dict[str, list[int]] = defaultdict(list)
        for o in old:
            for w in old_words[o]:
                postings[w].append(o)
        frequency = {w: len(rows) for w, rows in postings.items()}
        rank = {o: j for j, o in enumerate(old)}
        offset = 0
        for i, n in enumerate(new):
            mine = new_words[n]
            if ordered:
                at = i + offset
                best, best_o = SURE, -1
                for j in sorted(
                    range(max(at - NEAR, 0), min(at + NEAR + 1, len(old))),
                    key=lambda j: abs(j - at),
                ):
                    if old[j] in taken:
                        continue
                    score = _jaccard(mine, old_words[old[j]])
                    stats.comparisons += 1
                    if score > best or (score == best and best_o < 0):
                        best, best_o = score, old[j]
                if best_o >= 0:
                    taken.add(best_o)
                    found.append((n, best_o))
                    offset = rank[best_o] - i
                    continue
            # Prefix filter: a text with similarity ≥ t shares at least one of the
            # |A| - ⌈t·|A|⌉ + 1 rarest words of A; at most LOOKUPS of them are looked up.
            rare = sorted(mine, key=lambda w: frequency.get(w, 0))
            prefix = min(len(rare) - math.ceil(threshold * len(rare)) + 1, LOOKUPS)
            counts: dict[int, int] = {}
            for w in rare[:prefix]:
                posting = postings.get(w)
                if posting is None:
                    continue
                if len(posting) > COMMON:
                    break
                for o in posting:
                    counts[o] = counts.get(o, 0) + 1
            candidates = sorted(counts, key=counts.__getitem__, reverse=True)[:CANDIDATES]
            resync = SURE
            for o in candidates:
                score = _jaccard(mine, old_words[o])
                if score >= threshold:
                    scored.append((-score, n, o))
                if ordered and score >= resync:
                    resync, offset = score, rank[o] - i  # follow a block that moved
            stats.comparisons += len(candidates)
    scored.sort()
    paired_new: set[int] = set()
    for _score, n, o in scored:
        if n not in paired_new and o not in taken:
            paired_new.add(n)
            taken.add(o)
            found.append((n, o))
    return found


def pair(
    old: Sequence[tuple[str | None, str]],
    new: Sequence[tuple[str | None, str]],
    *,
    threshold: float = SAME_NODE,
    stats: MatchStats | None = None,
) -> dict[int, int]:
    """Map new index → old index; `old`/`new` are (key or None, text) in document order."""
    stats = stats or MatchStats()
    pairs: dict[int, int] = {}
    used: set[int] = set()

    def link(found: list[tuple[int, int]]) -> None:
        for n, o in found:
            pairs[n] = o
            used.add(o)

    new_all, old_all = range(len(new)), range(len(old))
    link(_equal(new_all, old_all, [k for k, _ in new], [k for k, _ in old], used))
    rest = [n for n in new_all if n not in pairs]
    new_text, old_text = [normalise(t) for _, t in new], [normalise(t) for _, t in old]
    link(_equal(rest, old_all, new_text, old_text, used))
    rest = [n for n in new_all if n not in pairs]
    left = [o for o in old_all if o not in used]
    new_words = [frozenset(words(t, normalised=True)) for t in new_text]
    old_words = [frozenset(words(t, normalised=True)) for t in old_text]
    link(_similar(rest, left, new_words, old_words, threshold=threshold, stats=stats))
    return pairs


def _depths(refs: Sequence[TaskRef]) -> list[int]:
    out: list[int] = []
    for ref in refs:
        out.append(0 if ref.parent is None else out[ref.parent] + 1)
    return out


def pair_tasks(
    old: Sequence[TaskRef],
    new: Sequence[TaskRef],
    *,
    threshold: float = SAME_NODE,
    stats: MatchStats | None = None,
) -> dict[int, int]:
    """Map new task index → old task index over the whole plan.

    Level by level (tasks, then sub-tasks…): equal texts under the same parent (the same
    area for tasks), then equal texts anywhere at that level; then any level (a sub-task
    promoted to a task). Then, level by level, similar texts under the same parent, then
    similar texts anywhere at the same level (moved and reworded).
    """
    stats = stats or MatchStats()
    pairs: dict[int, int] = {}
    used: set[int] = set()
    new_depth, old_depth = _depths(new), _depths(old)
    new_text = [normalise(t.text) for t in new]
    old_text = [normalise(t.text) for t in old]
    scopes: dict[tuple[str, int], list[int]] = defaultdict(list)
    for o, ref in enumerate(old):
        scopes[("p", ref.parent) if ref.parent is not None else ("a", ref.area)].append(o)
    old_at: dict[int, list[int]] = defaultdict(list)
    for o, d in enumerate(old_depth):
        old_at[d].append(o)
    new_at: dict[int, list[int]] = defaultdict(list)
    for n, d in enumerate(new_depth):
        new_at[d].append(n)
    levels = sorted(new_at)

    def link(found: list[tuple[int, int]]) -> None:
        for n, o in found:
            pairs[n] = o
            used.add(o)

    def scope_of(n: int) -> tuple[str, int] | None:
        ref = new[n]
        if ref.parent is None:
            return ("a", ref.area)
        parent = pairs.get(ref.parent)
        return None if parent is None else ("p", parent)

    def grouped(level: int) -> dict[tuple[str, int], list[int]]:
        groups: dict[tuple[str, int], list[int]] = defaultdict(list)
        for n in new_at[level]:
            if n not in pairs and (scope := scope_of(n)) is not None:
                groups[scope].append(n)
        return groups

    def pending(nodes: Sequence[int]) -> list[int]:
        return [n for n in nodes if n not in pairs]

    def left(rows: Sequence[int]) -> list[int]:
        return [o for o in rows if o not in used]

    for level in levels:
        for scope, nodes in grouped(level).items():
            link(_equal(nodes, left(scopes.get(scope, [])), new_text, old_text, used))
        link(_equal(pending(new_at[level]), left(old_at[level]), new_text, old_text, used))
    link(_equal(pending(range(len(new))), left(range(len(old))), new_text, old_text, used))

    new_words = [frozenset(words(t, normalised=True)) for t in new_text]
    old_words = [frozenset(words(t, normalised=True)) for t in old_text]
    for level in levels:
        for scope, nodes in grouped(level).items():
            rows = sorted(left(scopes.get(scope, [])), key=lambda o: old[o].position)
            found = _similar(
                nodes, rows, new_words, old_words, threshold=threshold, stats=stats, ordered=True
            )
            link(found)
        found = _similar(
            pending(new_at[level]),
            left(old_at.get(level, [])),
            new_words,
            old_words,
            threshold=threshold,
            stats=stats,
        )
        link(found)
    return pairs


def fresh_key(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`… if taken; the result is added to `taken`."""
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    taken.add(key)
    return key
