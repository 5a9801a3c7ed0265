"""Reading a snapshot CSV as a stream: encoding detection, header check, rows with line numbers."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rules.errors import InputError
from rules.snapshot_row import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

SAMPLE_BYTES = 1 << 20


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


@dataclass
class SnapshotReader:
    """Iterates (line_number, row dict) over a snapshot file without holding it in memory."""

    path: Path
    encoding: str
    columns: list[str]
    _stream: _CountingReader
    _reader: Iterator[list[str]]
    _text: io.TextIOWrapper

    @property
    def sha256(self) -> str:
        return self._stream.sha256.hexdigest()

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number where the record starts, cells padded to the header's width)."""
        reader = self._reader
        width = len(self.columns)
        line = 1
        try:
            for record in reader:
                start = line + 1
                line = reader.line_num  # type: ignore[attr-defined]
                n = len(record)
                if n < width:
                    if n == 0 or (n == 1 and not record[0].strip()):
                        continue
                    record += [""] * (width - n)
                yield start, record
        except UnicodeDecodeError:
            # text is decoded a block ahead of the rows: name the line holding the bytes
            bad = bad_line(self.path, self.encoding) or line + 1
            raise InputError(f"{self.path}: line {bad}: not valid {self.encoding} text") from None
        except csv.Error as exc:
            raise InputError(f"{self.path}: line {line + 1}: {exc}") from None

    def as_dict(self, record: list[str]) -> dict[str, str]:
        """The record keyed by its known columns (for quarantine)."""
        return {c: v for c, v in zip(self.columns, record, strict=False) if not c.startswith("_")}

    def close(self) -> None:
        self._text.close()


def open_snapshot(path: Path, on_bytes: Callable[[int], None] | None = None) -> SnapshotReader:
    """Open a snapshot file, detect its encoding and check its header.

    Raises InputError (exit 2) for a missing or unreadable file and for missing columns.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a CSV file")
    try:
        raw = path.open("rb")
        sample = raw.read(SAMPLE_BYTES)
        while sample.isascii() and len(sample) == SAMPLE_BYTES:
            # ASCII reads the same in UTF-8 and GB18030: judge by the first bytes that are not
            sample = raw.read(SAMPLE_BYTES)
        sample += raw.read(16)  # a character cut at the sample's end is judged whole
        raw.seek(0)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        encoding = detect_encoding(sample)
    except InputError as exc:
        raw.close()
        raise InputError(f"{path}: {exc}") from None
    stream = _CountingReader(raw, on_bytes)
    text = io.TextIOWrapper(io.BufferedReader(stream, 1 << 16), encoding=encoding, newline="")
    # strict: a quote opened and never closed fails at its line instead of swallowing the rest
    # of the file into one field (one quarantined row, every later account silently missing)
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        text.close()
        raise InputError(f"{path}: empty file (no header row)") from None
    except UnicodeDecodeError:
        text.close()
        bad = bad_line(path, encoding) or 1  # the first block is decoded with the header
        what = "unreadable header" if bad == 1 else f"not valid {encoding} text"
        raise InputError(f"{path}: line {bad}: {what}") from None
    except csv.Error:
        text.close()
        raise InputError(f"{path}: line 1: unreadable header") from None
    columns = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        text.close()
        raise InputError(f"{path}: header is missing columns: {', '.join(missing)}")
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    columns = [c if c in known else f"_extra_{i}" for i, c in enumerate(columns)]
    return SnapshotReader(path, encoding, columns, stream, reader, text)
