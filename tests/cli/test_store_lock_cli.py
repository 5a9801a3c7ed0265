"""Regression (issue 13 item 4): with a short `--lock-wait`, an import or a run-day that finds
the store held exits 1 with one line naming what holds it; a database error is one masked line."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.db import make_engine
from tasks.store_lock import StoreLock, holder_text
from tests.cli.conftest import Cli
from tests.cli.cycle_home import seed
from tests.factories import snapshot_row, write_snapshot

BUSY = re.compile(
    r"duecourse: an import for 2026-11-02 started \d\d:\d\d holds the store; "
    r"try again when it finishes"
)


@pytest.fixture(autouse=True)
def _restore_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--lock-wait` sets the process's wait: put it back for the tests that follow."""
    monkeypatch.setattr("tasks.store_lock._wait_override", [])
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-02")


def test_a_busy_store_is_one_line_naming_its_holder(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    seed(home)
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    lock = StoreLock(engine, holder_text("an import", date(2026, 11, 2)))
    lock.acquire()
    try:
        day = cli("--lock-wait", "0", "run-day", "--as-of", "2026-11-02", "--no-prefect")
        snap = write_snapshot(tmp_path / "s.csv", [snapshot_row()])
        imp = cli("--lock-wait", "0.2", "import", str(snap), "--as-of", "2026-11-02")
    finally:
        lock.release()
        engine.dispose()
    for outcome in (day, imp):
        assert outcome.code == 1, outcome.err
        assert BUSY.fullmatch(outcome.err.strip()), outcome.err
    done = cli("--lock-wait", "0", "run-day", "--as-of", "2026-11-02", "--no-prefect")
    assert done.code == 0, done.err


def test_a_database_error_is_one_masked_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error the store raises outside the import's chunks (here: its first look-up) reaches
    the CLI's error path: one line, exit 1, no statement, no parameters."""
    import tasks.intake as intake

    def broken(*_args: object) -> None:
        orig = Exception("UNIQUE constraint failed: customer.id")
        raise sa.exc.IntegrityError(
            "INSERT INTO customer VALUES ('330106199001011234', '13812345678')", {}, orig
        )

    monkeypatch.setattr(intake, "last_as_of", broken)
    snap = write_snapshot(tmp_path / "s.csv", [snapshot_row()])
    out = cli("import", str(snap), "--as-of", "2026-11-02")
    assert out.code == 1
    assert out.err.strip() == (
        "duecourse: the database refused the write "
        "(Exception: UNIQUE constraint failed: customer.id)"
    )
