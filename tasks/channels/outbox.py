"""A JSON Lines outbox: the file IS the channel (one line per message that "left").

Shared by the SMS outbox (the default SMS channel, so the demo needs no provider) and the
debtor e-mail outbox (no SMTP host configured). The file holds the real recipient - it is the
message going out - so it is created 0600 under the home (0640 with DUECOURSE_SHARED_GROUP=1),
like every other file Duecourse creates (models.db.new_files_umask).

Resend-safe: a key already in the file is not written again; its result is SENT with the same
message id and the reason "already in the outbox". Each batch is one open, one exclusive flock
and one write, so two dispatchers appending at once never interleave lines nor both write the
same key. The sender keeps the keys it has seen and the byte offset it has read up to, and on
each batch reads only what other writers appended since: each byte of the file is indexed once
per process.

A line cut short by a crash (no newline at the end of the file) is not a message that left: it
is not indexed, and the next writer ends it with a newline so that its own lines stay whole.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.db import new_files_umask
from rules.enums import Channel
from tasks.channels.base import OutMessage, SendResult, check_channel, failed, key_digest, sent

ALREADY_THERE = "already in the outbox"
_CHUNK = 8 << 20  # bytes read at a time when indexing the file
# Lines written here start with the key (json.dumps keeps the dict's order).
_KEY_RE = re.compile(rb'^\{"key": ("(?:[^"\\]|\\.)*")')
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps without its per-call set-up


def _key_of(line: bytes) -> str | None:
    """The key of one outbox line, None for a broken or foreign line."""
    found = _KEY_RE.match(line)
    if found is not None:
        quoted = found.group(1)
        if b"\\" not in quoted:
            return quoted[1:-1].decode("utf-8", "replace")
        return str(json.loads(quoted))
    try:
        key = json.loads(line).get("key")
    except (ValueError, AttributeError):
        return None
    return key if isinstance(key, str) else None


class JsonlOutbox:
    """Base of the file outboxes: subclasses say what a line holds (`record`) and which
    messages cannot be sent at all (`problem`)."""

    resend_safe = True

    def __init__(self, path: Path, channel: Channel) -> None:
        self.path = path
        self.channel = channel
        self._keys: set[str] = set()
        self._indexed = 0  # bytes of the file whose whole lines are in _keys
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file indexed

    def describe(self) -> str:
        return f"{self.channel.value} outbox {self.path}"

    def message_id(self, key: str) -> str:
        """The proof reference of a key's line: stable, so a resend gets the same one."""
        return "outbox-" + key_digest(key)[:16]

    def record(self, message: OutMessage, message_id: str, at: str) -> dict[str, Any]:
        """The JSON object written for one message; "key" must come first."""
        return {"key": message.key, "to": message.to, "body": message.body, "at": at,
                "message_id": message_id}  # fmt: skip

    def problem(self, message: OutMessage) -> str | None:
        """Why a message cannot be sent at all (a final failure), or None."""
        if not message.to.strip():
            return "no recipient"
        if not message.body.strip():
            return "empty message text"
        return None

    def send_batch(self, messages: Sequence[OutMessage]) -> list[SendResult]:
        check_channel(self, messages)
        if not messages:
            return []
        try:
            with self._locked(fcntl.LOCK_EX) as fd:
                return self._append(fd, messages)
        except OSError as exc:
            reason = f"outbox {self.path} not writable: {exc.strerror or type(exc).__name__}"
            return [failed(m.key, reason, retryable=True) for m in messages]

    def already_sent(self, keys: Sequence[str]) -> dict[str, SendResult]:
        if not self.path.exists():
            return {}
        with self._locked(fcntl.LOCK_SH) as fd:
            self._catch_up(fd)
        return {k: sent(k, self.message_id(k), ALREADY_THERE) for k in keys if k in self._keys}

    def close(self) -> None:
        """Nothing is held between batches (each batch opens and locks the file)."""

    @contextmanager
    def _locked(self, mode: int) -> Iterator[int]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o777 & ~new_files_umask())
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        fd = os.open(self.path, flags, 0o666 & ~new_files_umask())
        try:
            fcntl.flock(fd, mode)
            yield fd
        finally:
            os.close(fd)  # releases the lock

    def _append(self, fd: int, messages: Sequence[OutMessage]) -> list[SendResult]:
        """Under the exclusive lock: index what others wrote, then write the new lines at once."""
        size = self._catch_up(fd)
        if size > self._indexed:  # a line cut short by a crash: end it, never extend it
            os.write(fd, b"\n")
            size += 1
            self._indexed = size
        at = datetime.now(UTC).isoformat(timespec="seconds")
        results: list[SendResult] = []
        lines: list[str] = []
        added: list[str] = []
        for message in messages:
            key = message.key
            message_id = self.message_id(key)
            problem = self.problem(message)
            if problem is not None:
                results.append(failed(key, problem, retryable=False))
            elif key in self._keys:
                results.append(sent(key, message_id, ALREADY_THERE))
            else:
                self._keys.add(key)
                added.append(key)
                lines.append(_ENCODE(self.record(message, message_id, at)))
                results.append(sent(key, message_id))
        if lines:
            self._write(fd, ("\n".join(lines) + "\n").encode("utf-8"), size, added)
        return results

    def _write(self, fd: int, data: bytes, size: int, added: list[str]) -> None:
        """All the batch's lines, or none of them (a failed write is cut off again)."""
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError:
            os.ftruncate(fd, size)
            self._keys.difference_update(added)
            raise
        self._indexed = size + len(data)

    def _catch_up(self, fd: int) -> int:
        """Index the whole lines appended since the last look; returns the file's size."""
        stat = os.fstat(fd)
        identity = (stat.st_dev, stat.st_ino)
        if identity != self._identity or stat.st_size < self._indexed:  # replaced or cut
            self._keys.clear()
            self._indexed = 0
            self._identity = identity
        position = self._indexed
        while position < stat.st_size:
            chunk = os.pread(fd, min(_CHUNK, stat.st_size - position), position)
            if not chunk:
                break
            end = chunk.rfind(b"\n")
            if end < 0:
                if len(chunk) < _CHUNK:
                    break  # only an unfinished line is left
                chunk = self._read_line(fd, position, stat.st_size)
                end = len(chunk) - 1
                if not chunk.endswith(b"\n"):
                    break
            for line in chunk[:end].split(b"\n"):
                key = _key_of(line)
                if key is not None:
                    self._keys.add(key)
            position += end + 1
            self._indexed = position
        return stat.st_size

    @staticmethod
    def _read_line(fd: int, position: int, size: int) -> bytes:
        """One line longer than a chunk (a foreign or broken line), read whole."""
        parts: list[bytes] = []
        while position < size:
            part = os.pread(fd, min(_CHUNK, size - position), position)
            if not part:
                break
            newline = part.find(b"\n")
            if newline >= 0:
                parts.append(part[: newline + 1])
                break
            parts.append(part)
            position += len(part)
        return b"".join(parts)
