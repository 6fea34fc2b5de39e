"""Where a reply to a mail about an item goes (docs/decisions/0032-reply-by-mail.md).

A mail about one item to a person carries a `Reply-To` with their reply token for that
item: `planflow+TOKEN@domain` in "subaddress" mode, the dedicated mailbox itself in
"mailbox" mode, where the token travels in `References` as a Message-ID of its own
(`<pf.reply.TOKEN@domain>`), which every mail client quotes back in its reply.
"""

from __future__ import annotations

from datetime import datetime

from workflow.reply_mail import reply_token
from workflow.settings import Settings


def reply_headers(
    *,
    settings: Settings,
    item_id: int,
    user_id: int | None,
    issued_at: datetime,
) -> dict[str, str]:
    """The Reply-To address of a mail about `item_id` to the user `user_id` and the
    reference carrying its token ("mailbox" mode adds it to References); nothing when
    replies are off or the recipient is no user."""
    if settings.mail_reply_mode == "off" or user_id is None:
        return {}
    token = reply_token(
        secret=settings.secret_key.get_secret_value(),
        item_id=item_id,
        user_id=user_id,
        issued_at=issued_at,
    )
    local, _, domain = settings.reply_mailbox.rpartition("@")
    address = settings.reply_mailbox
    if settings.mail_reply_mode == "subaddress":
        address = f"{local}+{token}@{domain}"
    return {"Reply-To": address, "Reference": f"<pf.reply.{token}@{domain}>"}
