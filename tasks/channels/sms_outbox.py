"""The SMS file outbox: the default SMS channel, so the demo and a bank without a provider yet
need nothing but the home folder.

`<home>/outbox/sms.jsonl`, one JSON line per message (see tasks/channels/outbox.py for the
locking, the resend check and the 0600 mode):

    {"key": "<contact key>", "to": "<the real number>", "body": "<text>",
     "at": "<UTC ISO time>", "message_id": "outbox-<first 16 hex of sha256(key)>"}

The status is SENT (a file cannot confirm delivery). A gateway that picks the lines up later
can use `key` as its idempotency key and `message_id` as the reference it reports back.
"""

from __future__ import annotations

from pathlib import Path

from rules.enums import Channel
from tasks.channels.outbox import JsonlOutbox

SMS_OUTBOX_FILE = Path("outbox") / "sms.jsonl"


class SmsOutbox(JsonlOutbox):
    """SMS written to a JSON Lines file; resend-safe (a key already in the file is not
    written again)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, Channel.SMS)


def sms_outbox_path(home: Path) -> Path:
    return home / SMS_OUTBOX_FILE
