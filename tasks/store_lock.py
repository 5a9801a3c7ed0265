"""One lock over the writers that must never overlap: a snapshot import, the daily cycle and the
intraday deadline check (issue 13 item 4).

Two imports at once raced on the same new accounts (one died on a unique key); an import and a
`run-day` at once let the cycle work on a half-loaded snapshot. Each takes this lock for its
whole run: a PostgreSQL session advisory lock (keyed by the store's schema), or on a SQLite file
an exclusive `flock` on `<database>.store-lock`. The operating system drops either when a process
dies, so a run row still `running` when the next run holds the lock belongs to a process gone.

Whoever holds it says so: on SQLite in the lock file, on PostgreSQL as its session's
`application_name`. A second writer waits for the first (the default), logging once what it waits
for; given a wait in seconds (`--lock-wait`, `DUECOURSE_LOCK_WAIT`), it gives up after that long
with one line naming the holder, exit 1.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import time
import zlib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from rules.errors import DuecourseError, InputError
from tasks.clock import SHANGHAI

log = logging.getLogger(__name__)

ENV_WAIT = "DUECOURSE_LOCK_WAIT"
_PG_CLASS = 0x0DC0  # first key of the advisory lock; the second is the schema's
_PG_NAME_MAX = 63  # PostgreSQL keeps this many bytes of an application_name
_UNKNOWN = "another process"
_wait_override: list[float | None] = []


class StoreBusy(DuecourseError):
    """The store stayed locked for longer than the caller would wait (exit 1)."""


def set_wait(seconds: float | None) -> None:
    """How long the lock waits in this process (None: for ever); the CLI's `--lock-wait`."""
    _wait_override[:] = [seconds]


def lock_wait() -> float | None:
    """Seconds to wait for the store: `set_wait`, else `$DUECOURSE_LOCK_WAIT`, else for ever."""
    if _wait_override:
        return _wait_override[0]
    value = os.environ.get(ENV_WAIT, "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise InputError(f"{ENV_WAIT}={value!r} is not a number of seconds") from None
    if seconds < 0:
        raise InputError(f"{ENV_WAIT}={value!r}: the wait cannot be negative")
    return seconds


def holder_text(what: str, as_of: date) -> str:
    """What a holder is, as the waiting one reads it: "a daily cycle for 2026-11-29 started
    05:30" (Asia/Shanghai). No personal data: it is shown to whoever waits."""
    started = datetime.now(SHANGHAI).strftime("%H:%M")
    return f"{what} for {as_of.isoformat()} started {started}"


class StoreLock:
    """Held for a whole import, daily cycle or deadline check; `holder` says which."""

    def __init__(self, engine: Engine, holder: str = _UNKNOWN, *, wait: float | None = None):
        self.engine = engine
        self.holder = holder
        self.wait = wait  # None: lock_wait() when acquiring
        self.conn: Connection | None = None
        self.file: IO[bytes] | None = None
        self._key: int | None = None

    # -- where the lock lives ---------------------------------------------------------------
    def lock_path(self) -> Path | None:
        """`<database>.store-lock` of a SQLite file; None for PostgreSQL or a memory database."""
        if self.engine.dialect.name != "sqlite":
            return None
        db = self.engine.url.database
        if not db or db == ":memory:" or db.startswith("file:"):
            return None
        return Path(db).with_name(Path(db).name + ".store-lock")

    def _pg(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    # -- taking and giving back -------------------------------------------------------------
    def acquire(self) -> None:
        """Take the lock: wait for ever, or `wait` seconds and then raise StoreBusy."""
        if self.held:
            return
        wait = self.wait if self.wait is not None else lock_wait()
        path = self.lock_path()
        if path is not None:
            self.file = path.open("a+b")
        elif self._pg():
            self.conn = self.engine.connect()
            self._key = self._schema_key(self.conn)
        else:
            return  # a memory database: one process, nothing to share
        if not self._try():
            self._wait_for(wait)
        self._record_holder()

    def _wait_for(self, wait: float | None) -> None:
        holder = self.current_holder()
        if wait is not None and wait <= 0:
            self._give_up(holder)
        # an endless wait says what it waits for; a bounded one ends in one line (StoreBusy)
        if wait is None:
            log.warning("waiting for the store: %s holds it", holder)
        deadline = None if wait is None else time.monotonic() + wait
        pause = 0.05
        while not self._try():
            if deadline is not None and time.monotonic() >= deadline:
                self._give_up(self.current_holder())
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def _give_up(self, holder: str) -> None:
        self._close()
        raise StoreBusy(f"{holder} holds the store; try again when it finishes")

    def _try(self) -> bool:
        if self.file is not None:
            try:
                fcntl.flock(self.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
        assert self.conn is not None
        got = self.conn.execute(
            sa.text("SELECT pg_try_advisory_lock(:a, :b)"), {"a": _PG_CLASS, "b": self._key}
        ).scalar()
        self.conn.commit()
        return bool(got)

    def _record_holder(self) -> None:
        text = f"{self.holder} (pid {os.getpid()})"
        if self.file is not None:
            self.file.seek(0)
            self.file.truncate()
            self.file.write(self.holder.encode())
            self.file.flush()
        elif self.conn is not None:
            name = self.holder.encode()[:_PG_NAME_MAX].decode("utf-8", "ignore")
            self.conn.execute(
                sa.text("SELECT set_config('application_name', :n, false)"), {"n": name}
            )
            self.conn.commit()
        log.info("store lock taken: %s", text)

    @property
    def held(self) -> bool:
        return self.conn is not None or self.file is not None

    def release(self) -> None:
        if self.file is not None:
            try:
                self.file.truncate(0)
            finally:
                self._close()
            return
        if self.conn is None:
            return
        try:
            self.conn.execute(
                sa.text("SELECT pg_advisory_unlock(:a, :b)"), {"a": _PG_CLASS, "b": self._key}
            )
            self.conn.execute(sa.text("RESET application_name"))
            self.conn.commit()
        except BaseException:
            self.conn.invalidate()  # never back into the pool still holding the lock
            raise
        finally:
            self._close()

    def _close(self) -> None:
        if self.file is not None:
            try:
                fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
            finally:
                self.file.close()
                self.file = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    # -- who holds it -----------------------------------------------------------------------
    @staticmethod
    def _schema_key(conn: Connection) -> int:
        """The second advisory key: the schema's, so two stores in one database do not wait
        for each other (a positive 31-bit number)."""
        schema = str(conn.execute(sa.text("SELECT current_schema()")).scalar() or "public")
        conn.commit()
        return zlib.crc32(schema.encode()) & 0x7FFF_FFFF

    def current_holder(self) -> str:
        """What the holder wrote about itself, or "another process" (best effort)."""
        try:
            if self.file is not None:
                path = self.lock_path()
                text = path.read_text(encoding="utf-8", errors="replace") if path else ""
            elif self.conn is not None:
                text = self._pg_holder(self.conn)
            else:
                text = ""
        except (OSError, sa.exc.SQLAlchemyError):
            text = ""
        text = "".join(ch for ch in text if ch.isprintable()).strip()[:200]
        return text or _UNKNOWN

    def _pg_holder(self, conn: Connection) -> str:
        name = conn.execute(
            sa.text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = :a AND l.objid = :b AND l.objsubid = 2 "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"a": _PG_CLASS, "b": self._key},
        ).scalar()
        conn.commit()
        return str(name or "")


_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")
_Locked = Callable[Concatenate[Engine, _T, date, _P], _R]


def holding_the_store(what: str) -> Callable[[_Locked[_T, _P, _R]], _Locked[_T, _P, _R]]:
    """A decorator: `run(engine, x, as_of, ...)` holds the store lock for all its work, as
    `what` ("an import") for `as_of`."""

    def decorate(run: _Locked[_T, _P, _R]) -> _Locked[_T, _P, _R]:
        @functools.wraps(run)
        def locked(engine: Engine, x: _T, as_of: date, /, *a: _P.args, **k: _P.kwargs) -> _R:
            with StoreLock(engine, holder_text(what, as_of)):
                return run(engine, x, as_of, *a, **k)

        return locked

    return decorate
