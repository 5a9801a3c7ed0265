"""`duecourse audit verify` and `audit list`: OK with the rows checked and the head, or the first
edited or removed row named on one line with exit 1 (JSON too); the listing masked, by case."""

from __future__ import annotations

import json
from pathlib import Path

from models.db import open_engine
from rules.enums import AuditAction
from tasks.audit import Entry, record_many
from tests.cli.conftest import Cli


def _chain(home: Path, n: int) -> None:
    data = {"decision": "approved", "comment": "phone 13812345678"}
    rows = [
        Entry(AuditAction.REVIEW_DECIDED, "review", i, 10 + i % 2, "li.legal", data)
        for i in range(1, n + 1)
    ]
    engine = open_engine(home=home)
    with engine.begin() as conn:
        record_many(conn, rows)
    engine.dispose()


def _sql(home: Path, statement: str) -> None:
    engine = open_engine(home=home)
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


def test_verify_says_ok_with_rows_checked_and_head(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli("audit", "verify").out.strip() == "audit chain OK: no rows yet"
    _chain(home, 3)
    done = cli("audit", "verify")
    assert done.code == 0 and done.out.startswith("audit chain OK: 3 rows checked; head row 3 ")
    data = json.loads(cli("audit", "verify", "--json").out)
    assert data["ok"] is True and data["checked"] == 3 and data["problem"] is None
    assert len(data["head"]["hash"]) == 64 and data["head"]["id"] == 3


def test_verify_names_an_edited_row(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    _chain(home, 4)
    _sql(home, "UPDATE audit_entry SET actor = 'someone' WHERE id = 2")
    done = cli("audit", "verify")
    assert done.code == 1 and done.out == ""
    assert done.err.strip() == (
        "duecourse: audit chain broken at row 2 (review_decided): edited: its hash does not "
        "match its contents (a field was changed) (2 rows checked)"
    )
    data = json.loads(cli("audit", "verify", "--json").out)
    assert data["ok"] is False and data["problem"]["id"] == 2
    assert data["problem"]["problem"] == "edited"


def test_verify_names_the_row_after_a_deleted_one(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    _chain(home, 4)
    _sql(home, "DELETE FROM audit_entry WHERE id = 3")
    done = cli("audit", "verify", "--json")
    assert done.code == 1
    problem = json.loads(done.out)["problem"]
    assert (problem["id"], problem["problem"], problem["why"]) == (4, "removed", "row(s) 3 missing")


def test_list_shows_the_newest_rows_masked_and_by_case(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    _chain(home, 5)
    data = json.loads(cli("audit", "list", "--case", "11", "--json").out)
    assert [e["id"] for e in data["entries"]] == [1, 3, 5]
    assert data["entries"][0]["data"]["comment"] == "phone 138****5678"
    assert data["entries"][0]["at"].endswith("+08:00")
    newest = json.loads(cli("audit", "list", "--limit", "2", "--json").out)
    assert [e["id"] for e in newest["entries"]] == [4, 5]
    table = cli("audit", "list")
    assert table.code == 0 and "review_decided" in table.out and "13812345678" not in table.out
    assert "no audit rows for case 99" in cli("audit", "list", "--case", "99").out
