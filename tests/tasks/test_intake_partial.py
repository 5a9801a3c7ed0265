"""An import that fails partway: a later chunk of the file has bytes of another encoding. The
chunks before it stay committed, the run row says `failed` and why (the line where the damage is),
and the fixed file imported again completes with counts that add up. (A broken CSV quote does not
fail an import: its line is quarantined, tests/tasks/test_intake_reader.py.)"""

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
ROWS = 100  # chunks of 2 rows: the damage at row 80 is well after the first chunks committed
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
    rows[4]["principal"] = "-1.00"  # one bad row in an early chunk: quarantined, committed
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
def test_an_import_failing_partway_keeps_its_chunks_and_the_fixed_file_completes(
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
    committed = _scalar(engine, "SELECT count(*) FROM card_account")
    assert 0 < committed < BROKEN  # the chunks before the damage are kept, nothing after it
    assert imported == committed == _scalar(engine, "SELECT count(*) FROM collection_case")
    assert _scalar(engine, "SELECT count(*) FROM balance_snapshot") == committed
    # the run row agrees with what was committed: its quarantined row and file are recorded
    assert quarantined == 1 == _scalar(engine, "SELECT count(*) FROM quarantined_row")
    assert quarantine_file is not None and Path(quarantine_file).is_file()
    assert rows >= imported + quarantined

    fixed = write_snapshot(tmp_path / "day.csv", _rows())
    again = _import(engine, fixed, tmp_path)
    assert again.rows == ROWS and again.quarantined == 1
    assert (again.imported, again.unchanged, again.updated) == (ROWS - 1 - committed, committed, 0)
    assert again.opened == ROWS - 1 - committed and again.missing == 0
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
