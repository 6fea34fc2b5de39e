"""Text helpers shared by the importer: normalising, joining broken lines, similarity, keys."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_TERMINAL = (".", ";", ":", "!", "?")
_WORD_RE = re.compile(r"[^\W\d_]+")
# Comparator words carry the target, not the indicator's identity across years.
_QUALIFIER_WORDS = frozenset(
    {"tối", "thiểu", "ít", "nhất", "từ", "trở", "lên", "đạt", "trên", "hơn", "dưới", "đa"}
    | {"không", "quá", "tăng", "top", "tốp"}
)


def normalise(text: str) -> str:
    """Case-, space- and Unicode-form-insensitive text, for equality of nodes."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


_NOT_WORD_RE = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """`normalise` without diacritics or punctuation, for matching names people spell
    loosely: 'Các phòng, đơn vị thuộc Sở' → 'cac phong don vi thuoc so'."""
    plain = unicodedata.normalize("NFKD", normalise(text).replace("đ", "d"))
    bare = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD_RE.sub(" ", bare).split())


def starts_lowercase(text: str) -> bool:
    """True when the first letter is lower case: the line continues a broken sentence."""
    for ch in text:
        if ch.isalpha():
            return ch.islower()
    return False


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_TERMINAL)


def continues_paragraph(previous: str, line: str) -> bool:
    """A plain line continues a paragraph unless the paragraph ended and a new one starts."""
    return starts_lowercase(line) or not ends_sentence(previous)


def words(text: str, *, normalised: bool = False) -> set[str]:
    """Content words of a text: letters only, without comparator words."""
    found = _WORD_RE.findall(text if normalised else normalise(text))
    return {w for w in found if w not in _QUALIFIER_WORDS}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of content words (0..1); numbers are ignored on purpose."""
    wa, wb = words(a), words(b)
    if not wa and not wb:
        return 1.0
    return len(wa & wb) / len(wa | wb)


def digest(text: str, size: int = 10) -> str:
    """A short stable hash of normalised text, for keys."""
    return hashlib.sha1(normalise(text).encode(), usedforsecurity=False).hexdigest()[:size]


def slug(text: str, size: int = 100) -> str:
    """ASCII slug without diacritics: 'Cải cách hành chính' → 'cai-cach-hanh-chinh'."""
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = plain.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:size].rstrip("-")


def short(text: str, size: int = 70) -> str:
    """`text` in at most `size` characters, cut between words (never inside one) with "…"
    (a change report's preview, a work item's title from a long plan task)."""
    if len(text) <= size:
        return text
    cut = text[: size - 1]
    if not text[size - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"
