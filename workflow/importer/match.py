"""Pairing the nodes of a new import with the rows of the previous one.

Stable identity is, in order: the same key, the same normalised text, then the most
similar text (a reworded task is an update, not a withdrawal plus a new task).
"""

from __future__ import annotations

from collections.abc import Sequence

from workflow.importer.text import normalise, similarity

SAME_NODE = 0.5


def pair(
    old: Sequence[tuple[str | None, str]],
    new: Sequence[tuple[str | None, str]],
    *,
    threshold: float = SAME_NODE,
) -> dict[int, int]:
    """Map new index → old index; `old`/`new` are (key or None, text) in document order."""
    pairs: dict[int, int] = {}
    used: set[int] = set()

    def link(equal: Sequence[str | None], old_values: Sequence[str | None]) -> None:
        for n, value in enumerate(equal):
            if n in pairs or value is None:
                continue
            for o, other in enumerate(old_values):
                if o not in used and other == value:
                    pairs[n] = o
                    used.add(o)
                    break

    link([k for k, _ in new], [k for k, _ in old])
    link([normalise(t) for _, t in new], [normalise(t) for _, t in old])
    scored = sorted(
        (-similarity(nt, ot), n, o)
        for n, (_, nt) in enumerate(new)
        if n not in pairs
        for o, (_, ot) in enumerate(old)
        if o not in used
    )
    for score, n, o in scored:
        if -score >= threshold and n not in pairs and o not in used:
            pairs[n] = o
            used.add(o)
    return pairs


def fresh_key(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`… if taken; the result is added to `taken`."""
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    taken.add(key)
    return key
