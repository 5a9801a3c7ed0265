"""The staged intake (tasks/intake.py) against the per-row path it replaced
(tasks/intake_reference.py), on both databases: the same files - generated portfolios with
hidden defects (`generate-portfolio --defects`), every edge of a row's rules, then the next days
(cures, pay-offs, accounts gone missing and back, an account moving customer) - give the same
counts, accounts, customers, snapshots, contacts, cases, timeline lines, quarantined rows with
their reasons, and quarantine files."""

from __future__ import annotations

import csv
import random
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from duecourse.synthetic import COLUMNS, next_day_rows, synthetic_rows, write_portfolio_file
from models.db import make_engine, upgrade
from tasks.import_run import ImportResult
from tasks.intake import import_snapshot
from tasks.intake_reference import import_snapshot_reference
from tasks.policy import load_policy
from tests.conftest import pg_base_url
from tests.factories import write_snapshot
from tests.tasks.intake_edge_rows import edge_rows

DAY = date(2026, 11, 2)
COUNTS = ("rows", "imported", "updated", "unchanged", "quarantined", "missing", "opened", "closed")
TABLES = {
    "customer": "id, name, id_number, phone, email, address, province",
    "card_account": "id, customer_id, card_number, credit_limit, principal, interest, fees, "
    "minimum_due, due_date, days_past_due, last_payment_date, last_payment_amount, last_as_of",
    "balance_snapshot": "account_id, as_of, principal, interest, fees, minimum_due, "
    "days_past_due, bucket, import_run_id",
    "contact_point": "customer_id, relation, kind, value, contact_name, valid, source",
    "collection_case": "account_id, customer_id, status, bucket, stage, opened_on, "
    "stage_entered_on, closed_on, outcome, max_dpd, missing_since, version",
    "quarantined_row": "import_run_id, line_number, account_id, reason, raw",
}


@pytest.fixture
def reference_engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A second fresh database beside the `engine` fixture's, on the same backend."""
    if db_url.startswith("sqlite"):
        eng = make_engine(f"sqlite:///{tmp_path}/reference.sqlite")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    base = pg_base_url()
    assert base is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    eng = make_engine(f"{base}?options=-csearch_path%3D{schema}")
    upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _content(engine: Engine) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for table, columns in TABLES.items():
            rows = conn.execute(sa.text(f"SELECT {columns} FROM {table}")).all()
            out[table] = sorted(tuple(map(str, r)) for r in rows)
        timeline = conn.execute(
            sa.text(
                "SELECT c.account_id, t.as_of, t.event, t.detail, t.actor FROM timeline_event t "
                "JOIN collection_case c ON c.id = t.case_id"
            )
        ).all()
        out["timeline_event"] = sorted(tuple(map(str, r)) for r in timeline)
    return out


def _quarantine_file(result: ImportResult) -> list[list[str]]:
    if result.quarantine_file is None:
        return []
    with open(result.quarantine_file, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _both(
    engine: Engine, reference: Engine, path: Path, day: date, tmp_path: Path
) -> tuple[ImportResult, ImportResult]:
    policy = load_policy(None)
    staged = import_snapshot(engine, path, day, quarantine_dir=tmp_path / "q1", policy=policy)
    old = import_snapshot_reference(
        reference, path, day, quarantine_dir=tmp_path / "q2", policy=policy, chunk_size=7
    )
    for name in COUNTS:
        assert getattr(staged, name) == getattr(old, name), name
    assert _quarantine_file(staged) == _quarantine_file(old)
    new_content, old_content = _content(engine), _content(reference)
    for table, rows in old_content.items():
        assert new_content[table] == rows, table
    return staged, old


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def test_hidden_defect_portfolios_over_several_days_give_the_same_store(
    engine: Engine, reference_engine: Engine, tmp_path: Path
) -> None:
    first = tmp_path / "day1.csv"
    write_portfolio_file(first, 400, 5, DAY, defects=12)
    staged, _ = _both(engine, reference_engine, first, DAY, tmp_path)
    assert staged.quarantined == 12 and staged.opened > 300

    rng = random.Random(3)
    rows = list(synthetic_rows(400, 5, DAY))
    i_cust = COLUMNS.index("customer_id")
    for day_number in range(1, 4):
        day = DAY + timedelta(days=day_number)
        rows = next_day_rows(rows, day, rng)
        today = list(rows)
        if day_number == 1:
            today = today[:350]  # fifty accounts absent: missing
            today[3][i_cust] = today[4][i_cust]  # an account moves to another customer
        if day_number == 2:
            today[7] = list(today[7])
            today[7][COLUMNS.index("principal")] = "-1.00"  # quarantined: not missing
        staged, _ = _both(engine, reference_engine, _write(tmp_path / f"d{day}.csv", today), day,
                          tmp_path)  # fmt: skip
        if day_number == 1:
            assert staged.missing > 40  # the absent ones with an open case
    assert staged.missing == 0 and staged.imported == 0 and staged.rows == 400


def test_every_edge_of_a_rows_rules_gives_the_same_reasons_and_values(
    engine: Engine, reference_engine: Engine, tmp_path: Path
) -> None:
    path = write_snapshot(tmp_path / "edges.csv", edge_rows())
    staged, _ = _both(engine, reference_engine, path, DAY, tmp_path)
    assert staged.quarantined > 60 and staged.imported > 25
    again, _ = _both(engine, reference_engine, path, DAY, tmp_path)  # idempotent, same reasons
    assert (again.imported, again.updated, again.quarantined) == (0, 0, staged.quarantined)


def test_a_file_without_card_numbers_and_with_extra_columns_gives_the_same_store(
    engine: Engine, reference_engine: Engine, tmp_path: Path
) -> None:
    rows = edge_rows()[:40]
    header = [c for c in rows[0] if c != "card_number"] + ["branch"]
    for i, row in enumerate(rows):
        row["branch"] = f'分行 "{i}", 南京'
    first = write_snapshot(tmp_path / "a.csv", rows)
    _both(engine, reference_engine, first, DAY, tmp_path)  # stores card numbers
    second = write_snapshot(tmp_path / "b.csv", rows, header=header)
    staged, _ = _both(engine, reference_engine, second, DAY + timedelta(days=1), tmp_path)
    assert staged.unchanged > 0  # the stored card numbers are kept, not erased
