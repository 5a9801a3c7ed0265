"""The audit chain's arithmetic: the canonical form of a row, its hash, and the check of a
sequence of rows (issue 19 item 8; design.md principle 6: the audit log is append-only and
tamper-evident).

Each row's hash is SHA-256 over a canonical serialisation of its own fields and the previous
row's hash (the first row's `previous` is GENESIS, 64 zeros), so changing, removing or moving
any row breaks the hash of that row or the link of the next one. Rows are numbered 1, 2, 3...
without gaps (tasks/audit.py assigns the next number under a lock), so a removed row also shows
as a gap in the numbers. The id itself is not hashed: a row's place is proven by its link to
the one before, and a row moved to another number keeps its own hash while its link breaks,
which tells a reordering from an edit.

What no chain can prove on its own is that its newest rows were not cut off: `verify` reports
the last row's id and hash (the head) so an operator can compare it with one noted earlier.

Pure: no database, no clock. The canonical form is JSON with sorted keys and no spaces,
UTF-8, and times as UTC ISO-8601 with microseconds (`2026-11-29T01:02:03.000004Z`), which
SQLite and PostgreSQL both keep exactly.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, NamedTuple

from rules.masking import scrub_text

GENESIS = "0" * 64
FORMAT = "duecourse-audit-1"  # first element of every canonical row: a new form gets a new name
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, reused
RECENT = 4096  # hashes of recent rows kept to recognise a row that chains from an earlier one


class Problem(StrEnum):
    """What is wrong with the first bad row."""

    EDITED = "edited"  # its hash is not the hash of its contents
    REMOVED = "removed"  # a row before it is missing (a gap in the ids, or a broken link)
    REORDERED = "reordered"  # it chains from another row than the one before it


class ChainRow(NamedTuple):
    """One stored row as the check reads it (`data` is the stored canonical JSON text). A
    tuple: a million are built per check, and a tuple is the cheapest to build."""

    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    case_id: int | None
    data: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Finding:
    """The first bad row: its id and action, what is wrong, and why in words."""

    id: int
    action: str
    problem: Problem
    why: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of a check: rows checked, the first problem (None: the chain holds) and the
    head (the last row's id and hash) to compare with one noted before."""

    checked: int
    finding: Finding | None
    head_id: int | None
    head_hash: str

    @property
    def ok(self) -> bool:
        return self.finding is None


_MAYBE_PERSONAL = re.compile(r"[0-9０-９@=:]")  # what every pattern of scrub_text needs


@functools.lru_cache(maxsize=4096)
def _masked(text: str) -> str:
    """scrub_text, skipped for text it cannot change (no digit, `@`, `=` or `:`) and
    remembered for the short texts a batch repeats (stage names, reasons, the policy version):
    at 50,000 stage moves the masking was most of the append's time."""
    return scrub_text(text) if _MAYBE_PERSONAL.search(text) else text


def _plain(value: Any) -> Any:
    """A value of `data` in JSON's terms, personal data masked in every string."""
    if isinstance(value, str):
        return _masked(value) if len(value) <= 64 else scrub_text(value)
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, bool | int | None):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return time_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    raise TypeError(f"audit data cannot hold a {type(value).__name__}: give text or numbers")


class CanonicalData(str):
    """Text `canonical_data` made: a writer may compute it once and give it for many rows."""

    __slots__ = ()


_DATA_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def canonical_data(data: Mapping[str, Any] | None) -> CanonicalData:
    """`data` as canonical JSON (sorted keys, no spaces, UTF-8 text), strings masked
    (rules.masking.scrub_text: ID, card and phone numbers, e-mail, house numbers). Floats are
    refused: amounts are Decimal (kept as text), never binary fractions."""
    return CanonicalData(_DATA_ENCODER.encode(_plain(dict(data or {}))))


def time_text(at: datetime) -> str:
    """A UTC-aware time in the canonical form; a naive one is refused (its zone is unknown)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given; the audit chain keeps UTC-aware times")
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    # isoformat, not strftime: a fifth of the check's time at a million rows
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def entry_hash(
    prev_hash: str,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    case_id: int | None,
    data: str,
) -> str:
    """SHA-256 (hex) of the row's canonical serialisation, the previous row's hash included."""
    canonical = _ROW_ENCODER.encode(
        [FORMAT, prev_hash, time_text(at), actor, action, subject_type, subject_id, case_id, data]
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def row_hash(row: ChainRow) -> str:
    """The hash `row` should carry, from its stored contents and stored `prev_hash`."""
    return entry_hash(
        row.prev_hash,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        case_id=row.case_id,
        data=row.data,
    )


def _broken_link(
    row: ChainRow, before: ChainRow | None, rest: Iterator[ChainRow], recent: list[ChainRow | None]
) -> Finding:
    """Why `row` (its own hash sound, its id in sequence) does not chain from `before`: it
    chains from a row seen earlier or coming later (moved), or from none there (removed).
    Reads at most RECENT rows further on (the check stops at this row anyway)."""
    prev_id = before.id if before is not None else 0
    for earlier in recent:
        if earlier is not None and earlier.hash == row.prev_hash and earlier.id != prev_id:
            why = f"it chains from row {earlier.id}, not from row {prev_id} (rows moved)"
            return Finding(row.id, row.action, Problem.REORDERED, why)
    for later in itertools.islice(rest, RECENT):
        if later.hash == row.prev_hash:
            why = f"it chains from row {later.id}, which comes after it (rows moved)"
            return Finding(row.id, row.action, Problem.REORDERED, why)
    if before is None:
        why = "it is the first row but does not start the chain: the rows before it were removed"
    else:
        why = (
            f"its previous hash is not row {before.id}'s: the row it followed was removed "
            "(or rewritten)"
        )
    return Finding(row.id, row.action, Problem.REMOVED, why)


def verify(rows: Iterable[ChainRow]) -> Verdict:
    """Check `rows` in id order and report the first bad one: edited (its hash does not match
    its contents), removed (a gap in the ids, or its link does not lead to the row before it)
    or reordered (it links to another row). Streams: memory stays flat whatever the length."""
    before: ChainRow | None = None
    recent: list[ChainRow | None] = [None] * RECENT  # a ring of the last rows checked
    checked = 0
    rest = iter(rows)
    for row in rest:
        checked += 1
        finding: Finding | None = None
        expected_id = before.id + 1 if before is not None else 1
        if row_hash(row) != row.hash:
            finding = Finding(
                row.id, row.action, Problem.EDITED,
                "its hash does not match its contents (a field was changed)",
            )  # fmt: skip
        elif row.id > expected_id:
            gap = str(expected_id) if row.id == expected_id + 1 else f"{expected_id}-{row.id - 1}"
            finding = Finding(row.id, row.action, Problem.REMOVED, f"row(s) {gap} missing")
        elif row.id < expected_id:
            why = f"its id comes after row {before.id if before else 0}'s (rows renumbered)"
            finding = Finding(row.id, row.action, Problem.REORDERED, why)
        elif row.prev_hash != (before.hash if before is not None else GENESIS):
            finding = _broken_link(row, before, rest, recent)
        if finding is not None:
            return Verdict(checked, finding, row.id, row.hash)
        recent[checked % RECENT] = row
        before = row
    return Verdict(checked, None, before.id if before else None, before.hash if before else GENESIS)
