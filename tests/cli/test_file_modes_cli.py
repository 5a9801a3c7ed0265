"""Files only for their owner (issue 13 item 9): the home, the SQLite store with its -wal and
-shm files, quarantine files, documents and the mail batch are 0700 folders and 0600 files;
DUECOURSE_SHARED_GROUP=1 lets the group read (0750 / 0640)."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.factories import snapshot_row, write_snapshot


@pytest.fixture(autouse=True)
def _umask(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Start from the usual 022 (files 0644) and give the test process its umask back."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-23")
    monkeypatch.delenv("DUECOURSE_SHARED_GROUP", raising=False)
    old = os.umask(0o022)
    yield
    os.umask(old)


def _modes(home: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(home.stat().st_mode)}
    for path in home.rglob("*"):
        found[str(path.relative_to(home))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def _use_the_home(cli: Cli, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    rows = [
        snapshot_row(account_id="A1", customer_id="C1", days_past_due="40", due_date="2026-10-11"),
        snapshot_row(account_id="B1", principal="-5.00"),  # quarantined
    ]
    snapshot = write_snapshot(tmp_path / "s.csv", rows)
    assert cli("import", str(snapshot), "--as-of", "2026-11-20").code == 0
    home = tmp_path / "home"
    batch = home / "mail" / "batch.pdf"
    out = cli("documents", "render", "collection_letter", "--case", "A1", "--batch", str(batch))
    assert out.code == 0, out.err
    # the store's -wal and -shm files, made while it is open, take the store file's mode (even
    # under a lax umask: a worker started without the CLI)
    os.umask(0o022)
    with sqlite3.connect(home / "duecourse.sqlite") as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE probe (x)")
        modes = _modes(home)
    return home, modes


def test_everything_the_product_creates_is_the_owners_only(cli: Cli, tmp_path: Path) -> None:
    home, modes = _use_the_home(cli, tmp_path)
    assert {"duecourse.sqlite", "duecourse.sqlite-wal", "duecourse.sqlite-shm"} <= set(modes)
    assert any(name.startswith("quarantine/") for name in modes)
    assert any(name.endswith(".pdf") and name.startswith("documents/") for name in modes)
    assert {"mail/batch.pdf", "mail/batch.csv"} <= set(modes)
    wrong = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (home / name).is_dir() else 0o600)
    }
    assert wrong == {}


def test_a_shared_group_may_read(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_SHARED_GROUP", "1")
    _, modes = _use_the_home(cli, tmp_path)
    assert modes["."] == 0o750 and modes["duecourse.sqlite"] == 0o640
    assert modes["duecourse.sqlite-wal"] == 0o640 and modes["mail/batch.csv"] == 0o640
    assert all(mode & 0o007 == 0 for mode in modes.values())
