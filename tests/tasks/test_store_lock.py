"""Regression (issue 13 item 4): imports, daily cycles and deadline checks are serialised by one
store lock; a busy store is one line naming its holder; a refused write shows no row data.

Before, two imports at once died on a unique key with a traceback quoting ID numbers, phones and
addresses, and a `run-day` started during an import worked on its half-loaded snapshot."""

from __future__ import annotations

import re
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

import tasks.intake as intake
from models import Customer
from rules.errors import DuecourseError
from tasks.cycle.core import run_day
from tasks.db_errors import db_error_line
from tasks.intake import import_snapshot
from tasks.policy import load_policy
from tasks.store_lock import StoreBusy, StoreLock, holder_text, lock_wait, set_wait
from tests.factories import snapshot_row, write_snapshot
from tests.tasks.cycle_data import bundle, table

DAY = date(2026, 11, 2)
ID_NUMBER = "110101199003074514"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())


def _snapshot(tmp_path: Path, n: int = 6) -> Path:
    rows = [
        snapshot_row(account_id=f"A{i:03d}", customer_id=f"C{i:03d}", days_past_due="45")
        for i in range(n)
    ]
    return write_snapshot(tmp_path / "s.csv", rows)


def _import(engine: Engine, path: Path, tmp_path: Path) -> Any:
    return import_snapshot(
        engine, path, DAY, quarantine_dir=tmp_path / "q", policy=load_policy(None), chunk_size=2
    )


def test_a_second_holder_gives_up_with_one_line_naming_the_first(engine: Engine) -> None:
    first = StoreLock(engine, holder_text("a daily cycle", date(2026, 11, 29)))
    first.acquire()
    try:
        started = time.monotonic()
        with pytest.raises(StoreBusy) as busy:
            StoreLock(engine, "an import", wait=0.3).acquire()
        assert time.monotonic() - started < 5
    finally:
        first.release()
    message = str(busy.value)
    assert re.fullmatch(
        r"a daily cycle for 2026-11-29 started \d\d:\d\d holds the store; "
        r"try again when it finishes",
        message,
    ), message
    assert busy.value.exit_code == 1
    with StoreLock(engine, "next", wait=0):  # released: taken at once
        pass


def test_the_wait_comes_from_the_option_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tasks.store_lock._wait_override", [])
    monkeypatch.setenv("DUECOURSE_LOCK_WAIT", "2.5")
    assert lock_wait() == 2.5
    monkeypatch.delenv("DUECOURSE_LOCK_WAIT")
    assert lock_wait() is None  # for ever
    set_wait(0)
    assert lock_wait() == 0


def _race_imports(engine: Engine, path: Path, tmp_path: Path, monkeypatch: Any) -> list[Any]:
    """Two imports of one file, each meeting the other before its first chunk (or going on
    alone after 2 s): without the lock both insert the same new accounts."""
    barrier = threading.Barrier(2, timeout=2)
    real = intake.apply_staged
    met: list[bool] = []

    def apply_together(*args: Any, **kwargs: Any) -> Any:
        if len(met) < 2:
            try:
                barrier.wait()
                met.append(True)
            except threading.BrokenBarrierError:
                met.append(False)
        return real(*args, **kwargs)

    monkeypatch.setattr(intake, "apply_staged", apply_together)
    results: list[Any] = []

    def one() -> None:
        try:
            results.append(_import(engine, path, tmp_path))
        except BaseException as exc:
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert True not in met, "both imports were writing at once"
    return results


def test_two_imports_at_once_are_serialised(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _snapshot(tmp_path)
    results = _race_imports(engine, path, tmp_path, monkeypatch)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert sorted((r.imported, r.unchanged) for r in results) == [(0, 6), (6, 0)]
    assert len(table(engine, "card_account")) == 6


def test_a_cycle_started_during_an_import_waits_for_the_whole_snapshot(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _snapshot(tmp_path)
    real = intake.apply_staged
    go, in_import = threading.Event(), threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        in_import.set()
        assert go.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(intake, "apply_staged", slow)
    done: dict[str, Any] = {}
    importer = threading.Thread(target=lambda: done.update(imp=_import(engine, path, tmp_path)))
    cycle = threading.Thread(target=lambda: done.update(day=run_day(engine, DAY, bundle())))
    importer.start()
    assert in_import.wait(30)
    cycle.start()
    time.sleep(0.5)
    assert table(engine, "cycle_run") == []  # the cycle waits for the import
    go.set()
    importer.join(60)
    cycle.join(60)
    assert done["imp"].imported == 6
    summary = done["day"]
    assert summary["cases"] == 6  # every case of the snapshot, none half-loaded
    assert not [w for w in summary["warnings"] if w.startswith("stale data")]


def test_a_refused_write_names_its_constraint_not_the_row(engine: Engine) -> None:
    def customer() -> Customer:
        return Customer(
            id="C1", name="张三", id_number=ID_NUMBER, phone="13812345678",
            address="江苏省南京市鼓楼区中山路1号",
        )  # fmt: skip

    with Session(engine) as s:
        s.add(customer())
        s.commit()
    with Session(engine) as s:
        s.add(customer())
        with pytest.raises(sa.exc.IntegrityError) as refused:
            s.commit()
    assert "13812345678" not in str(refused.value)  # the engine hides statements' parameters
    line = db_error_line(refused.value)
    assert line.startswith("the database refused the write (")
    assert "customer" in line  # its table or key
    for secret in (ID_NUMBER, "13812345678", "中山路", "C1'", "INSERT"):
        assert secret not in line
    assert "\n" not in line


def test_a_refused_chunk_is_one_line_with_its_lines_and_no_row_data(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        snapshot_row(account_id=f"A{i}", customer_id=f"C{i}", id_number=ID_NUMBER) for i in range(4)
    ]
    path = write_snapshot(tmp_path / "s.csv", rows)
    real = intake.apply_staged

    def duplicate(conn: sa.Connection, *args: Any, **kwargs: Any) -> Any:
        out = real(conn, *args, **kwargs)
        # the import (lines 2-5, one transaction) then writes a row twice
        conn.execute(
            sa.text("INSERT INTO customer (id, name, id_number, phone, address, created_at, "
                    "updated_at) SELECT id, name, id_number, phone, address, created_at, "
                    "updated_at FROM customer WHERE id = 'C2'")
        )  # fmt: skip
        return out

    monkeypatch.setattr(intake, "apply_staged", duplicate)
    with pytest.raises(DuecourseError) as failed:
        _import(engine, path, tmp_path)
    message = str(failed.value)
    assert message.startswith("lines 2-5: the database refused the write ("), message
    assert ID_NUMBER not in message and "INSERT" not in message
    (run,) = table(engine, "import_run")
    assert run.status == "failed" and run.error == message
    assert table(engine, "card_account") == []  # all or nothing: the refused write undid it all
