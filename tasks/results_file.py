"""Small CSV files a bank receives back (the post office's delivery results, the payments file):
read as text in UTF-8 (with or without BOM) or GB18030, a header naming the needed columns, one
physical line one record, each row parsed or refused with its line number; refused rows written
to a quarantine CSV beside the good ones' transaction, and removed again if that transaction
fails (nothing recorded, nothing quarantined)."""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

from sqlmodel import Session

from rules.csv_safety import safe_row
from rules.errors import DuecourseError, InputError
from tasks.snapshot_file import bad_line, detect_encoding, split_line

MAX_BYTES = 64 * 1024 * 1024  # a day's results are a few thousand lines

_Parsed = TypeVar("_Parsed")
Bad = tuple[int, dict[str, str], str]  # (line, raw cells, why)


@dataclass
class Rows(Generic[_Parsed]):
    good: list[tuple[int, dict[str, str], _Parsed]] = field(default_factory=list)
    bad: list[Bad] = field(default_factory=list)


def read_text(path: Path, what: str = "results file") -> str:
    """The file's text (UTF-8, BOM or not, or GB18030); InputError for a missing, unreadable,
    oversized or undecodable file (exit 2)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file")
    if info.st_size > MAX_BYTES:
        raise InputError(f"{path}: larger than {MAX_BYTES >> 20} MiB (is this a {what}?)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        encoding = detect_encoding(data)
        return data.decode(encoding)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        line = bad_line(path, encoding) or 1
        raise InputError(f"{path}: line {line}: not valid {encoding} text") from None


def _header(path: Path, line: str, needed: Sequence[str]) -> list[str]:
    try:
        names = next(csv.reader((line,), strict=True))
    except (csv.Error, StopIteration):
        raise InputError(f"{path}: line 1: unreadable header") from None
    columns = [n.strip().lstrip("\ufeff").lower() for n in names]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise InputError(f"{path}: header is missing columns: {', '.join(missing)}")
    return columns


def read_rows(
    path: Path,
    columns: Sequence[str],
    parse: Callable[[dict[str, str]], _Parsed | str],
    *,
    what: str = "results file",
) -> Rows[_Parsed]:
    """Every non-blank line after the header, parsed (`parse` returns the row, or why it is
    refused) with its line number; extra columns are ignored."""
    text = read_text(path, what)
    if not text.strip():
        raise InputError(f"{path}: empty file (no header row)")
    lines = text.split("\n")
    header = _header(path, lines[0].rstrip("\r"), columns)
    out: Rows[_Parsed] = Rows()
    for number, line in enumerate(lines[1:], 2):
        body = line[:-1] if line.endswith("\r") else line
        if not body.strip():
            continue
        cells, problem = split_line(body, len(header))
        raw = {c: v for c, v in zip(header, cells, strict=False) if c in columns}
        parsed = problem if problem is not None else parse(raw)
        if isinstance(parsed, str):
            out.bad.append((number, raw, parsed))
        else:
            out.good.append((number, raw, parsed))
    return out


def quarantine_path(folder: Path, prefix: str, now: date) -> Path:
    """`<folder>/<prefix>-<date>-<n>.quarantine.csv`, the first n not taken."""
    n = 1
    while (path := folder / f"{prefix}-{now.isoformat()}-{n}.quarantine.csv").exists():
        n += 1
    return path


def write_quarantine(path: Path, bad: Sequence[Bad], columns: Sequence[str]) -> None:
    """The refused rows with their line and reason (cells a spreadsheet would run neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["line", "problem", *columns])
    for line, raw, why in sorted(bad, key=lambda b: b[0]):
        writer.writerow(safe_row([line, why, *(raw.get(c, "") for c in columns)]))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    except OSError as exc:
        raise DuecourseError(f"{path}: cannot write ({exc.strerror or exc})") from None


def commit_with_quarantine(
    session: Session, bad: Sequence[Bad], columns: Sequence[str], target: tuple[Path, str, date]
) -> Path | None:
    """Write the refused rows to a new quarantine file (none when nothing was refused), then
    commit the good ones; if the commit fails, the file is removed again. Its path."""
    folder, prefix, now = target
    path = quarantine_path(folder, prefix, now) if bad else None
    if path is not None:
        write_quarantine(path, bad, columns)
    try:
        session.commit()
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    return path
