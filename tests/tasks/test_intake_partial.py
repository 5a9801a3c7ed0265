"""An import that fails partway: a later part of the file has bytes of another encoding. All or
nothing: nothing of the file is applied (no account, case, snapshot, quarantined row or quarantine
file; before the staged intake the chunks before the damage stayed committed), the run row says
`failed` and why (the line where the damage is), and the fixed file imported again completes
with counts that add up. (A broken CSV quote does not fail an import: its line is quarantined,
tests/tasks/test_intake_reader.py.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from rules.errors import InputError
from tasks.import_run import ImportResult
from tasks.intake import import_snapshot
from tasks.policy import load_policy
from tests.factories import snapshot_row, write_snapshot

DAY = date(2026, 11, 2)
ROWS = 100  # staged 2 lines at a time: the damage at row 80 is well after the first batches
BROKEN = 80  # the data row (1-based) that is damaged; its file line is BROKEN + 1


def _import(engine: Engine, path: Path, tmp_path: Path) -> ImportResult:
    return import_snapshot(
        engine, path, DAY, quarantine_dir=tmp_path / "q", policy=load_policy(None), chunk_size=2
    )


def _rows() -> list[dict[str, str]]:
    rows = [
        snapshot_row(account_id=f"A{i:03d}", customer_id=f"C{i:03d}", days_past_due="45")
        for i in range(1, ROWS + 1)
    ]
    rows[4]["principal"] = "-1.00"  # one bad row early in the file: quarantined by a good run
    return rows


def _foreign_bytes(path: Path) -> None:
    """A UTF-8 file with one name in GBK bytes, far past the first block the reader decodes."""
    _foreign_bytes_on(path, BROKEN)


def _foreign_bytes_on(path: Path, index: int) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[index] = lines[index].replace("张三".encode(), "张三".encode("gbk"), 1)
    path.write_bytes(b"".join(lines))


def _scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


@pytest.mark.parametrize(
    ("damage", "reason"),
    [(_foreign_bytes, f"line {BROKEN + 1}: not valid utf-8 text")],
    ids=["foreign-bytes"],
)
def test_an_import_failing_partway_applies_nothing_and_the_fixed_file_completes(
    engine: Engine, tmp_path: Path, damage: object, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tasks.snapshot_file.SAMPLE_BYTES", 512)  # the sample sees UTF-8 only
    path = write_snapshot(tmp_path / "day.csv", _rows())
    offset = len(b"".join(path.read_bytes().splitlines(keepends=True)[:BROKEN]))
    assert offset > 8192  # the damage lies beyond the first block the text reader decodes
    damage(path)  # type: ignore[operator]
    with pytest.raises(InputError) as caught:
        _import(engine, path, tmp_path)
    assert str(caught.value).endswith(reason) and "\n" not in str(caught.value)
    with engine.connect() as conn:
        run = conn.execute(
            sa.text("SELECT status, error, rows, imported, quarantined, quarantine_file "
                    "FROM import_run")
        ).one()  # fmt: skip
    status, error, rows, imported, quarantined, quarantine_file = run
    assert status == "failed" and error.endswith(reason)
    # all or nothing: the lines before the damage were read, none of them applied
    assert 0 < rows < BROKEN + 1 and (imported, quarantined, quarantine_file) == (0, 0, None)
    for table in ("card_account", "customer", "collection_case", "balance_snapshot",
                  "quarantined_row", "timeline_event", "contact_point"):  # fmt: skip
        assert _scalar(engine, f"SELECT count(*) FROM {table}") == 0, table
    assert not (tmp_path / "q").exists() or list((tmp_path / "q").iterdir()) == []

    fixed = write_snapshot(tmp_path / "day.csv", _rows())
    again = _import(engine, fixed, tmp_path)
    assert again.rows == ROWS and again.quarantined == 1
    assert (again.imported, again.unchanged, again.updated) == (ROWS - 1, 0, 0)
    assert again.opened == ROWS - 1 and again.missing == 0
    assert _scalar(engine, "SELECT count(*) FROM card_account") == ROWS - 1
    assert _scalar(engine, "SELECT count(*) FROM collection_case") == ROWS - 1
    assert _scalar(engine, "SELECT count(*) FROM balance_snapshot") == ROWS - 1
    statuses = _scalar(engine, "SELECT count(*) FROM import_run WHERE status = 'succeeded'")
    assert statuses == 1


def test_foreign_bytes_in_the_first_block_name_their_line_not_the_header(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the first block is decoded with the header, so bytes of another encoding on
    line 4 were reported as 'line 1: unreadable header'."""
    monkeypatch.setattr("tasks.snapshot_file.SAMPLE_BYTES", 512)
    path = write_snapshot(tmp_path / "day.csv", _rows()[:5])
    _foreign_bytes_on(path, 3)
    with pytest.raises(InputError, match=r"day\.csv: line 4: not valid utf-8 text$"):
        _import(sqlite_engine, path, tmp_path)
