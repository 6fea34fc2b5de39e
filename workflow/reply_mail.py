"""Reply by mail (trả lời thư): the reply token and what a reply's first line asks for.

The one place of these business rules (docs/decisions/0032-reply-by-mail.md): the outgoing
mail (notifications.message) asks `reply_token` for its Reply-To, the incoming-mail job
(notifications.replies) asks `read_reply_token`, and the service applying a reply
(workflow.services.mail_replies) asks `read_command`.

A token names one (item, recipient) and when it was issued, sealed with an HMAC of the
deployment's secret key: 22 bytes in lower-case base32 (36 characters, safe in an address's
local part on servers that fold case). It cannot be guessed (80-bit MAC), says nothing
beyond two ids, and is checked against the database when a reply comes: refused once the
item is closed, once revoked (`ReplyRevocation`), or after `mail_reply_token_days`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from workflow.clock import ensure_utc
from workflow.due_phrases import fold
from workflow.states import Action

TOKEN_LENGTH = 36
_MAC_BYTES = 10
_KEY_LABEL = b"planflow reply token v1"
_TOKEN_CHARS = re.compile(r"[a-z2-7]{36}")


@dataclass(frozen=True)
class ReplyClaim:
    """What a valid token says: whose reply about which item, issued when."""

    item_id: int
    user_id: int
    issued_at: datetime


def _mac(secret: str, payload: bytes) -> bytes:
    key = hmac.new(secret.encode("utf-8"), _KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def reply_token(*, secret: str, item_id: int, user_id: int, issued_at: datetime) -> str:
    """The token of a mail about `item_id` to `user_id`, issued at `issued_at` (the outbox
    row's creation time: a resend of the same row carries the same token)."""
    seconds = int(ensure_utc(issued_at).timestamp())
    payload = item_id.to_bytes(4, "big") + user_id.to_bytes(4, "big") + seconds.to_bytes(4, "big")
    raw = payload + _mac(secret, payload)
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def read_reply_token(text: str, *, secret: str) -> ReplyClaim | None:
    """The claim of a genuine token, None for anything else (forged, cut, another key's)."""
    token = text.strip().lower()
    if not _TOKEN_CHARS.fullmatch(token):
        return None
    try:
        raw = base64.b32decode(token.upper() + "====")
    except (binascii.Error, ValueError):
        return None
    payload, mac = raw[:12], raw[12:]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    return ReplyClaim(
        item_id=int.from_bytes(payload[:4], "big"),
        user_id=int.from_bytes(payload[4:8], "big"),
        issued_at=datetime.fromtimestamp(int.from_bytes(payload[8:12], "big"), tz=UTC),
    )


# --- What the first line of a reply asks for -------------------------------------------


class Command(StrEnum):
    """What a reply asks for (its first line); COMMENT: nothing but words."""

    COMMENT = "comment"  # ý kiến
    PROGRESS = "progress"  # báo cáo tiến độ: "50%", "Tiến độ 70%"
    DONE = "done"  # "Đã xong", "Hoàn thành": trình duyệt, or duyệt for a reviewer
    ACCEPT = "accept"  # "Đã nhận": tiếp nhận
    EXTENSION = "extension"  # "Xin gia hạn đến 30/6": đề nghị gia hạn


# The transitions a keyword may mean, in order: the first the state table allows the person
# to take now is taken ("Hoàn thành" from the assignee submits, from the reviewer approves).
COMMAND_ACTIONS: dict[Command, tuple[Action, ...]] = {
    Command.DONE: (Action.SUBMIT, Action.APPROVE),
    Command.ACCEPT: (Action.ACCEPT,),
}

# A step taken first when the person may take it and the command's action needs it:
# "Đã xong" on accepted work starts it, then submits it (as reporting progress starts it).
LEAD_IN: dict[Action, Action] = {Action.SUBMIT: Action.START}

# Keywords as folded text (lower case, no diacritics: a phone may type "Da xong").
_KEYWORDS: dict[str, Command] = {
    "da xong": Command.DONE,
    "xong": Command.DONE,
    "hoan thanh": Command.DONE,
    "da hoan thanh": Command.DONE,
    "done": Command.DONE,
    "da nhan": Command.ACCEPT,
    "nhan": Command.ACCEPT,
    "tiep nhan": Command.ACCEPT,
    "da tiep nhan": Command.ACCEPT,
    "accept": Command.ACCEPT,
    "accepted": Command.ACCEPT,
    "received": Command.ACCEPT,
}
# A keyword is the whole first line, or is followed by a separator and a note
# ("Đã xong. Gửi anh bản dự thảo"); "Đã xong phần 1" is a comment, not a command.
_KEYWORD_LINE = re.compile(
    r"^(?P<word>{})\s*(?:[.!:;,]+|\s-\s|$)\s*(?P<note>.*)$".format(
        "|".join(sorted((re.escape(k) for k in _KEYWORDS), key=len, reverse=True))
    )
)
_PROGRESS_LINE = re.compile(
    r"^(?:tien do|progress|da dat|dat)?\s*:?\s*(?P<pct>\d{1,3})\s*%\s*[.!:;,-]*\s*(?P<note>.*)$"
)
_EXTENSION_LINE = re.compile(
    r"^(?:xin\s+|de nghi\s+|request\s+)?(?:gia han|extension|extend)"
    r"(?:\s+(?:den|toi|to|until))?(?:\s+ngay)?\s+"
    r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})(?:[/.-](?P<y>\d{4}|\d{2})(?!\d))?\s*[.!:;,-]*\s*(?P<note>.*)$"
)


@dataclass(frozen=True)
class ReplyCommand:
    """A reply read: what it asks for, its words besides the command (`note`), and the
    whole text (`text`, kept as a comment when the command is not taken)."""

    command: Command
    text: str
    note: str = ""
    percent: int | None = None
    due_on: date | None = None
    # A first line that looked like a command but cannot be one (151 %, 31/2): the reason.
    invalid: str | None = None


def _keep_case(line: str, folded_note: str) -> str:
    """The note as the person wrote it: the tail of `line` as long as the folded note
    (folding keeps one character per character, bar collapsed spaces)."""
    if not folded_note:
        return ""
    words = line.split()
    count = len(folded_note.split())
    return " ".join(words[-count:])


def read_command(text: str, *, today: date) -> ReplyCommand:
    """What a reply's new text (quotes and signature already cut) asks for.

    The first non-empty line decides; the other lines (and the first line's tail after a
    keyword) are the note that goes with the action: the progress report's note, the
    submission's comment, the extension's reason. A date without a year is the next such
    day from `today` on."""
    lines = [line.strip() for line in text.strip().splitlines()]
    body = "\n".join(lines).strip()
    if not body:
        return ReplyCommand(Command.COMMENT, text="")
    first, rest = lines[0], "\n".join(lines[1:]).strip()
    folded = fold(first)

    def note(tail: str) -> str:
        return "\n".join(p for p in (_keep_case(first, tail), rest) if p).strip()

    if match := _PROGRESS_LINE.match(folded):
        pct = int(match["pct"])
        invalid = None if pct <= 100 else "progress_range"
        return ReplyCommand(
            Command.PROGRESS, text=body, note=note(match["note"]), percent=pct, invalid=invalid
        )
    if match := _EXTENSION_LINE.match(folded):
        day = _day(int(match["d"]), int(match["m"]), match["y"], today=today)
        return ReplyCommand(
            Command.EXTENSION,
            text=body,
            note=note(match["note"]),
            due_on=day,
            invalid=None if day else "extension_date",
        )
    if match := _KEYWORD_LINE.match(folded):
        return ReplyCommand(_KEYWORDS[match["word"]], text=body, note=note(match["note"]))
    return ReplyCommand(Command.COMMENT, text=body)


def _day(d: int, m: int, y: str | None, *, today: date) -> date | None:
    """dd/mm[/yy[yy]]: without a year, this year's, or next year's if already past."""
    try:
        if y is None:
            day = date(today.year, m, d)
            return day if day >= today else date(today.year + 1, m, d)
        year = int(y) + (2000 if len(y) == 2 else 0)
        return date(year, m, d)
    except ValueError:
        return None
