"""`duecourse queue --as USER`: the JSON contract, the table with the lawful window, an unknown
user in one line, and a collector seeing only their own cases."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import RiskTier, Stage
from tests.cli.conftest import Cli
from tests.factories import make_case
from tests.tasks.contacts.data import TUESDAY, waiting_line


def seed(home: Path) -> dict[str, int]:
    """Two cases of demo.liqiang (high and low risk) and one of demo.wangfang, each with a
    queued call on TUESDAY."""
    home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    upgrade(engine)
    ids: dict[str, int] = {}
    with Session(engine) as s:
        for label, owner, risk in (
            ("low", "demo.liqiang", RiskTier.LOW),
            ("high", "demo.liqiang", RiskTier.HIGH),
            ("other", "demo.wangfang", RiskTier.HIGH),
        ):
            case = make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, owner=owner, name="王五")
            case.risk_tier = risk
            s.add(case)
            s.flush()
            ids[label] = int(case.id or 0)
            waiting_line(s, ids[label], TUESDAY)
        s.commit()
    engine.dispose()
    return ids


def test_queue_json_is_one_document_in_order(cli: Cli, tmp_path: Path) -> None:
    ids = seed(tmp_path / "home")
    out = cli("queue", "--as", "demo.liqiang", "--as-of", "2026-11-03", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert (data["user"], data["as_of"], data["total"]) == ("demo.liqiang", "2026-11-03", 2)
    assert [i["case_id"] for i in data["items"]] == [ids["high"], ids["low"]]
    assert ids["other"] not in [i["case_id"] for i in data["items"]]
    item = data["items"][0]
    assert item["window"] == "08:00-21:00 +08:00" and item["channel"] == "call"
    assert item["to"] == "138****5678" and "13812345678" not in out.out
    other = json.loads(cli("queue", "--as", "demo.wangfang", "--as-of", "2026-11-03", "--json").out)
    assert [i["case_id"] for i in other["items"]] == [ids["other"]]


def test_queue_table_shows_the_window(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    out = cli("queue", "--as", "demo.liqiang", "--as-of", "2026-11-03")
    assert out.code == 0, out.err
    assert "08:00-21:00 +08:00" in out.out and "王五" in out.out
    assert "demo.liqiang: 2 call(s)/visit(s) for 2026-11-03" in out.out
    assert "13812345678" not in out.out


def test_an_unknown_user_is_one_line_and_exit_1(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    out = cli("queue", "--as", "nobody", "--json")
    assert out.code == 1 and out.out == ""
    assert out.err.strip() == "duecourse: --as: 'nobody' is not in the roster (duecourse users)"
