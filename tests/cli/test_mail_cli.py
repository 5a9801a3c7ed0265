"""`duecourse mail batch` and `mail delivered` as a user runs them: the JSON contract, no
address on stdout, the shipped ladder's formal_demand_sent met once the letter is posted, and
one-line errors."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.conftest import Cli
from tests.cli.cycle_home import DAY, seed

NEXT = "2026-11-03"


def _sql(home: Path, sql: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


@pytest.fixture
def home(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped ladder's day: the M2 case in formal_demand has its letter queued."""
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    home = tmp_path / "home"
    seed(home)
    ran = cli("run-day", "--as-of", DAY.isoformat(), "--no-prefect")
    assert ran.code == 0, ran.err
    _sql(home, "UPDATE cycle_action SET status = 'queued' WHERE kind = 'mail'")
    return home


def test_batch_then_delivery_then_the_milestone_is_met(
    cli: Cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = cli("mail", "batch", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert list(data)[:7] == [
        "date", "letters", "pdf", "manifest", "sha256", "already_posted", "blocked",
    ]  # fmt: skip
    assert data["date"] == DAY.isoformat() and data["letters"] >= 1 and data["blocked"] == {}
    pdf = Path(data["pdf"])
    assert pdf == home / "mail" / DAY.isoformat() / f"collection_letter-{DAY}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(Path(data["manifest"]).stat().st_mode) & 0o077 == 0  # owner only
    with Path(data["manifest"]).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["address"] == "浙江省杭州市西湖区文三路100号"
    assert "文三路100号" not in out.out and "13812345678" not in out.out

    table = cli("mail", "batch")  # the rerun: nothing new, the same batch printed again
    assert table.code == 0, table.err
    assert "0 letters posted" in table.out and "printed again" in table.out
    assert "文三路100号" not in table.out

    number = rows[0]["number"]
    results = tmp_path / "results.csv"
    results.write_text(
        "number,tracking_number,delivered_on,status,reason\n"
        f"{number},XA100200300CN,{DAY},delivered,\n"
        f"CL-1999-000009,XA1,{DAY},delivered,\n",
        encoding="utf-8-sig",
    )
    loaded = cli("mail", "delivered", str(results), "--json")
    assert loaded.code == 0, loaded.err
    summary = json.loads(loaded.out)
    assert {k: summary[k] for k in ("rows", "delivered", "returned", "quarantined")} == {
        "rows": 2, "delivered": 1, "returned": 0, "quarantined": 1,
    }  # fmt: skip
    assert Path(summary["quarantine_file"]).parent == home / "quarantine"
    case_id = rows[0]["case_id"]
    assert _sql(home, f"SELECT demand FROM contact WHERE case_id = {case_id}") == [(1,)]

    monkeypatch.setenv("DUECOURSE_TODAY", NEXT)
    assert cli("run-day", "--as-of", NEXT, "--no-prefect").code == 0
    met = _sql(
        home,
        f"SELECT status FROM milestone WHERE case_id = {case_id} AND kind = 'formal_demand_sent'",
    )
    assert met == [("met",)]


def test_one_line_errors(
    cli: Cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    future = cli("mail", "batch", "--date", NEXT)
    assert future.code == 1 and "after today" in future.err
    monkeypatch.setenv("DUECOURSE_TODAY", NEXT)
    backdated = cli("mail", "batch", "--date", DAY.isoformat())
    assert backdated.code == 1 and "dated today" in backdated.err
    assert backdated.err.startswith("duecourse: ") and len(backdated.err.strip().splitlines()) == 1
    bad_date = cli("mail", "batch", "--date", "2026-11-31")
    assert bad_date.code == 2 and "--date" in bad_date.err
    missing = cli("mail", "delivered", str(tmp_path / "none.csv"))
    assert missing.code == 2 and "no such file" in missing.err
    header = tmp_path / "h.csv"
    header.write_text("number,status\nCL-1,delivered\n", encoding="utf-8")
    wrong = cli("mail", "delivered", str(header), "--json")
    assert wrong.code == 2 and wrong.out == "" and "missing columns" in wrong.err
    for outcome in (future, backdated, bad_date, missing, wrong):
        assert "Traceback" not in outcome.err and len(outcome.err.strip().splitlines()) == 1
