"""`duecourse legal event` / `legal events` and the case file's limitation clock: the JSON
contract, the human lines, one-line errors, and readiness shown to the legal role only."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from models.db import make_engine, upgrade
from rules.enums import Stage
from tests.cli.conftest import Cli
from tests.factories import deliver_demand, make_case

LAWYER = "demo.xulawyer"


@pytest.fixture
def case(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """An open case in payment_order, due 2026-09-18, with two demands delivered."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-12-31")
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    upgrade(engine)
    with Session(engine) as s:
        c = make_case(s, dpd=104, stage=Stage.PAYMENT_ORDER, owner=LAWYER)
        deliver_demand(s, c.id, date(2026, 10, 8))
        deliver_demand(s, c.id, date(2026, 11, 9))
        s.commit()
        cid = int(c.id or 0)
    engine.dispose()
    return cid


def test_record_a_step_and_see_the_next_deadline(cli: Cli, case: int, tmp_path: Path) -> None:
    paper = tmp_path / "notice.pdf"
    paper.write_bytes(b"%PDF-1.4 notice")
    r = cli("legal", "event", str(case), "payment-order.filed", "--date", "2026-12-01",
            "--as", LAWYER, "--document", str(paper), "--json")  # fmt: skip
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["event"]["event"] == "payment-order.filed" and data["event"]["actor"] == LAWYER
    assert data["opened"]["kind"] == "court_acceptance" and data["opened"]["due"] == "2026-12-07"
    assert data["event"]["document_id"] is not None
    r = cli("legal", "event", str(case), "payment-order.accepted", "--date", "2026-12-04")
    assert r.code == 0, r.err
    assert "met       court_acceptance" in r.out
    assert "payment_order_issue" in r.out and "Art. 227" in r.out
    r = cli("legal", "events", str(case))
    assert r.code == 0
    assert "payment-order.filed" in r.out and "open statutory deadlines" in r.out
    assert "payment_order_issue" in r.out and "due 2026-12-21" in r.out  # 12-19 is a Saturday
    listed = json.loads(cli("legal", "events", str(case), "--json").out)
    assert [e["event"] for e in listed["events"]] == ["payment-order.filed",
                                                      "payment-order.accepted"]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("payment-order.served", "--date", "2026-12-01"), 2,
         "payment-order.served cannot come first; next may be: payment-order.filed"),
        (("payment-order.filed", "--date", "2027-01-01"), 2, "is in the future"),
        (("payment-order.filed", "--date", "01/12/2026"), 2, "is not a date"),
        (("payment-order.appealed", "--date", "2026-12-01"), 2, "unknown event"),
        (("litigation.filed", "--date", "2026-12-01"), 1,
         "litigation events need stage litigation"),
        (("litigation.filed", "--date", "2026-12-01", "--force"), 2, "--force needs --as"),
        (("payment-order.filed", "--date", "2026-12-01", "--as", "nobody"), 1,
         "not in the roster"),
    ],
)  # fmt: skip
def test_refusals_are_one_line(
    cli: Cli, case: int, args: tuple[str, ...], code: int, message: str
) -> None:
    r = cli("legal", "event", str(case), *args)
    assert r.code == code
    assert message in r.err and len(r.err.strip().splitlines()) == 1
    assert "Traceback" not in r.err


def test_the_case_file_shows_the_limitation_clock_and_readiness_to_legal_only(
    cli: Cli, case: int
) -> None:
    plain = json.loads(cli("case", str(case), "--json").out)
    assert plain["limitation"]["last_event"] == "demand_delivered"
    assert (plain["limitation"]["at"], plain["limitation"]["expires"]) == ("2026-11-09",
                                                                          "2029-11-09")  # fmt: skip
    assert "demand_readiness" not in plain
    collector = json.loads(cli("case", str(case), "--json", "--as", "demo.wangfang").out)
    assert "demand_readiness" not in collector
    legal = json.loads(cli("case", str(case), "--json", "--as", LAWYER).out)
    assert legal["demand_readiness"]["ready"] is True
    human = cli("case", str(case), "--as", LAWYER).out
    assert "limitation  running: expires 2029-11-09" in human
    assert "effective demands  ready" in human
    assert "criminal" not in human.lower()
    assert "effective demands" not in cli("case", str(case)).out
