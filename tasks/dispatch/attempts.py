"""What the store says of earlier attempts at a batch's contacts, by key: sent already, failed
for good, or still `sending`. A `sending` row was either left by a run that died while sending
(did the message leave? the sender is asked, or it fails "outcome unknown") or marked by a batch
attempt that failed transiently (RETRY_MARK): a retryable failure left nothing - a sender that
cannot be asked (SMTP) reports a message that may have left as a final failure - so the retry
sends it again, after clearing the mark in the commit that precedes sending (a crash during
the retry then reads as a crash)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from models.types import UTCDateTime

RETRY_MARK = "retrying: "
UNKNOWN = (
    "outcome unknown: the run stopped while sending; check the relay's log before sending again"
)
CHUNK = 900  # keys per IN list: under SQLite's 999 variables

_EARLIER = sa.text(
    "SELECT key, status, proof_ref, reason, as_of FROM contact WHERE key IN :keys"
).bindparams(sa.bindparam("keys", expanding=True))
_UNMARK = sa.text(
    "UPDATE contact SET reason = '', updated_at = :now WHERE key IN :keys"
).bindparams(sa.bindparam("keys", expanding=True), sa.bindparam("now", type_=UTCDateTime()))


@dataclass(frozen=True)
class Earlier:
    status: str
    proof_ref: str | None
    reason: str
    as_of: date

    @property
    def to_retry(self) -> bool:
        """A batch attempt failed transiently and left nothing: send it again."""
        return self.status == "sending" and self.reason.startswith(RETRY_MARK)


def earlier(conn: Connection, keys: list[str]) -> dict[str, Earlier]:
    out: dict[str, Earlier] = {}
    for start in range(0, len(keys), CHUNK):
        for key, status, proof, reason, as_of in conn.execute(
            _EARLIER, {"keys": keys[start : start + CHUNK]}
        ):
            day = as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of))
            out[key] = Earlier(status, proof, reason or "", day)
    return out


def unmark(conn: Connection, keys: list[str], now: datetime) -> None:
    """The retry is about to send these: from here a crash is a crash."""
    for start in range(0, len(keys), CHUNK):
        conn.execute(_UNMARK, {"keys": keys[start : start + CHUNK], "now": now})
