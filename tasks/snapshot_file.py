"""Reading a snapshot CSV as a stream: encoding detection, header check, rows with line numbers.

One physical line is one record, always. A quoted field may hold commas but never a line break:
a quote left open at the end of its line is that line's problem (quarantined with its number),
never a field that swallows the next lines and gives one account the next one's figures. The
header is one line of at most LINE_LIMIT characters, and only regular files are read (a device
such as /dev/zero or a pipe would never end).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rules.errors import InputError
from rules.snapshot_row import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

SAMPLE_BYTES = 1 << 20
LINE_LIMIT = 64 * 1024  # characters in one line (the header's, and any row's)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as UTF-8, else GB18030 (a superset of
    GBK and GB2312, which Chinese bank exports often are)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise InputError("file is neither UTF-8 nor GB18030/GBK text") from None


def bad_line(path: Path, encoding: str) -> int | None:
    """The line (1-based) of the first bytes of `path` that are not `encoding` text, or None.
    A line break byte never occurs inside a UTF-8 or GB18030 character, so lines split on it."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return n
    return None


class _CountingReader(io.RawIOBase):
    """Passes bytes through, hashing them and reporting progress."""

    def __init__(self, raw: BinaryIO, on_bytes: Callable[[int], None] | None) -> None:
        self._raw = raw
        self._on_bytes = on_bytes
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha256.update(data)
        self.bytes_read += n
        if self._on_bytes is not None and n:
            self._on_bytes(n)
        return n


def _problem(exc: csv.Error) -> str:
    """A strict parse's error on one line as a reason a person reads."""
    text = str(exc)
    if "unexpected end of data" in text:
        return "a quote opened on this line is not closed (a field may not span lines)"
    if "expected after" in text:
        return "a stray quote: a quoted field ends before its separator"
    return f"not readable as CSV ({text})"


def split_line(body: str, width: int) -> tuple[list[str], str | None]:
    """The cells of one physical line (without its line end) and why it is refused, or None:
    a quote not closed on the line, a stray quote, a carriage return inside the line, a quoted
    field holding a record's worth of separators, or not as many fields as the header."""
    problem: str | None = None
    if '"' not in body and "\r" not in body:
        cells = body.split(",")  # the usual line: no quoting to read
    else:
        try:
            cells = next(csv.reader((body,), strict=True))
        except csv.Error as exc:
            problem = _problem(exc)
            try:
                cells = next(csv.reader((body,)))  # what the line holds, for the quarantine file
            except csv.Error:
                cells = body.split(",")
        if "\r" in body:
            problem = "a carriage return (CR) inside the line"
        elif problem is None and width > 1 and any(c.count(",") >= width - 1 for c in cells):
            problem = "a quoted field holds a whole record's worth of separators"
    if problem is None and len(cells) != width:
        problem = f"has {len(cells)} fields, the header has {width}"
    return cells, problem


@dataclass
class SnapshotReader:
    """Iterates (line_number, cells, problem) over a snapshot file without holding it in memory."""

    path: Path
    encoding: str
    columns: list[str]
    _stream: _CountingReader
    _text: io.TextIOWrapper
    line_limit: int = LINE_LIMIT

    @property
    def sha256(self) -> str:
        return self._stream.sha256.hexdigest()

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def rows(self) -> Iterator[tuple[int, list[str], str | None]]:
        """(physical line number, cells, why the line is refused or None), one per line that is
        not blank. A refused line's cells are what could be read of it (for the quarantine)."""
        readline, limit, width = self._text.readline, self.line_limit, len(self.columns)
        number = 1
        try:
            while line := readline(limit):
                number += 1
                if not line.endswith("\n") and len(line) >= limit:
                    while (rest := readline(limit)) and not rest.endswith("\n"):
                        pass  # the rest of an overlong line is not kept
                    yield number, [line[:200]], f"line longer than {limit} characters"
                    continue
                body = line[:-2] if line.endswith("\r\n") else line.rstrip("\n")
                if not body.strip():
                    continue
                cells, problem = split_line(body, width)
                yield number, cells, problem
        except UnicodeDecodeError:
            # text is decoded a block ahead of the rows: name the line holding the bytes
            bad = bad_line(self.path, self.encoding) or number + 1
            raise InputError(f"{self.path}: line {bad}: not valid {self.encoding} text") from None

    def as_dict(self, record: list[str]) -> dict[str, str]:
        """The record keyed by its known columns (for quarantine)."""
        return {c: v for c, v in zip(self.columns, record, strict=False) if not c.startswith("_")}

    def close(self) -> None:
        self._text.close()


def _open_regular(path: Path) -> BinaryIO:
    """The file opened for reading; InputError unless it is a regular file (a folder, a device
    such as /dev/zero, a pipe or a socket is refused before it is read)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a folder, not a CSV file")
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file (a device, pipe or socket is not read)")
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(raw.fileno()).st_mode):  # replaced since the check
        raw.close()
        raise InputError(f"{path}: not a regular file (a device, pipe or socket is not read)")
    return raw


def _header(path: Path, text: io.TextIOWrapper, encoding: str) -> list[str]:
    """The header's column names (lower case, trimmed); InputError when it cannot be read."""
    try:
        line = text.readline(LINE_LIMIT)
    except UnicodeDecodeError:
        bad = bad_line(path, encoding) or 1  # the first block is decoded with the header
        what = "unreadable header" if bad == 1 else f"not valid {encoding} text"
        raise InputError(f"{path}: line {bad}: {what}") from None
    if not line:
        raise InputError(f"{path}: empty file (no header row)")
    if not line.endswith("\n") and len(line) >= LINE_LIMIT:
        raise InputError(
            f"{path}: the header line is longer than {LINE_LIMIT // 1024} KiB "
            "(is this a snapshot CSV?)"
        )
    body = line[:-2] if line.endswith("\r\n") else line.rstrip("\n")
    try:
        if "\r" in body or "\x00" in body:
            raise csv.Error("control character")
        header = next(csv.reader((body,), strict=True))
    except csv.Error:
        raise InputError(f"{path}: line 1: unreadable header") from None
    columns = [h.strip().lstrip("\ufeff").lower() for h in header]
    seen: set[str] = set()
    for c in columns:
        if c and c in seen:
            raise InputError(f"{path}: line 1: column {c!r} appears more than once in the header")
        seen.add(c)
    return columns


def open_snapshot(path: Path, on_bytes: Callable[[int], None] | None = None) -> SnapshotReader:
    """Open a snapshot file, detect its encoding and check its header.

    Raises InputError (exit 2) for a missing, unreadable or not regular file, and for a header
    that is missing columns, repeats one, or is longer than LINE_LIMIT.
    """
    raw = _open_regular(path)
    try:
        sample = raw.read(SAMPLE_BYTES)
        while sample.isascii() and len(sample) == SAMPLE_BYTES:
            # ASCII reads the same in UTF-8 and GB18030: judge by the first bytes that are not
            sample = raw.read(SAMPLE_BYTES)
        sample += raw.read(16)  # a character cut at the sample's end is judged whole
        raw.seek(0)
    except OSError as exc:
        raw.close()
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        encoding = detect_encoding(sample)
    except InputError as exc:
        raw.close()
        raise InputError(f"{path}: {exc}") from None
    stream = _CountingReader(raw, on_bytes)
    # lines end at LF only (CRLF kept whole): the same lines bad_line counts in bytes
    text = io.TextIOWrapper(io.BufferedReader(stream, 1 << 16), encoding=encoding, newline="\n")
    try:
        columns = _header(path, text, encoding)
    except InputError:
        text.close()
        raise
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        text.close()
        raise InputError(f"{path}: header is missing columns: {', '.join(missing)}")
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    columns = [c if c in known else f"_extra_{i}" for i, c in enumerate(columns)]
    return SnapshotReader(path, encoding, columns, stream, text)
