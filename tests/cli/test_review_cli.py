from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from models.db import open_engine
from models.review import Review
from rules.enums import ReviewStatus, Role, Stage
from tests.cli.conftest import Cli
from tests.factories import make_case


def _seed(home: Path, name: str = "张三") -> int:
    engine = open_engine(f"sqlite:///{home}/duecourse.sqlite")
    with Session(engine) as s:
        case = make_case(s, dpd=120, name=name)
        review = Review(
            case_id=case.id, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
            opened_on=date(2026, 11, 2), key="k1", policy_version="v1",
        )  # fmt: skip
        s.add(review)
        s.commit()
        rid = review.id or 0
    engine.dispose()
    return rid


def test_review_queue_and_decisions(cli: Cli, tmp_path: Path) -> None:
    rid = _seed(tmp_path / "home")
    listed = json.loads(cli("review", "list", "--json").out)
    assert [r["id"] for r in listed["reviews"]] == [rid]
    refused = cli("review", "approve", str(rid), "--as", "demo.zhangmin")
    assert refused.code == 1 and "needs the legal role" in refused.err
    unknown = cli("review", "approve", str(rid), "--as", "nobody")
    assert unknown.code == 1 and "'nobody' is not in the roster" in unknown.err
    ok = cli("review", "approve", str(rid), "--as", "demo.xulawyer", "--json")
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["status"] == "approved"
    assert json.loads(cli("review", "list", "--json").out)["reviews"] == []
    missing = cli("review", "show", "999")
    assert missing.code == 1 and missing.err.strip() == "duecourse: no review with id 999"
    huge = "99999999999999999999"  # beyond any row id: no OverflowError traceback
    for args in (("show", huge), ("approve", huge, "--as", "demo.xulawyer")):
        out = cli("review", *args)
        assert out.code == 1 and out.err.strip() == f"duecourse: no review with id {huge}"


def test_review_list_shows_a_debtor_name_with_brackets(cli: Cli, tmp_path: Path) -> None:
    _seed(tmp_path / "home", name="王[/]五")
    listed = cli("review", "list")
    assert listed.code == 0, listed.err
    assert "王[/]" in listed.out  # the column may wrap the rest


def test_a_decision_cannot_be_backdated_or_postdated(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-05")
    rid = _seed(tmp_path / "home")  # requested 2026-11-02
    for as_of, why in (
        ("2020-01-01", f"--as-of 2020-01-01 is before review {rid} was requested (2026-11-02)"),
        ("2030-01-01", "--as-of 2030-01-01 is after today (2026-11-05): a decision is dated"),
    ):
        out = cli("review", "approve", str(rid), "--as", "demo.xulawyer", "--as-of", as_of)
        assert out.code == 1 and len(out.err.strip().splitlines()) == 1
        assert why in out.err
    assert json.loads(cli("review", "show", str(rid), "--json").out)["status"] == "pending"
    ok = cli("review", "approve", str(rid), "--as", "demo.xulawyer", "--json")
    assert ok.code == 0, ok.err
    case = json.loads(cli("case", str(json.loads(ok.out)["case_id"]), "--json").out)
    decided = [e for e in case["timeline"] if e["event"] == "review_decided"]
    assert [e["as_of"] for e in decided] == ["2026-11-05"]


def test_approving_the_review_of_a_paid_case_is_refused_and_withdraws_it(
    cli: Cli, tmp_path: Path
) -> None:
    rid = _seed(tmp_path / "home")
    engine = open_engine(f"sqlite:///{tmp_path}/home/duecourse.sqlite")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE collection_case SET status = 'closed', stage = 'paid', outcome = 'paid', "
                "closed_on = '2026-11-03'"
            )
        )
    engine.dispose()
    out = cli("review", "approve", str(rid), "--as", "demo.xulawyer")
    assert out.code == 1
    assert out.err.strip().splitlines() == [
        f"duecourse: review {rid} withdrawn: case 1 closed as paid on 2026-11-03; "
        "there is no move left to decide"
    ]
    assert "moves the case" not in out.out
    shown = json.loads(cli("review", "show", str(rid), "--json").out)
    assert shown["status"] == "withdrawn"  # the withdrawal was kept
    listed = json.loads(cli("review", "list", "--status", "withdrawn", "--json").out)
    assert [r["id"] for r in listed["reviews"]] == [rid]


def test_review_list_says_how_many_are_shown_and_decision_times_are_in_shanghai(
    cli: Cli, tmp_path: Path
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path}/home/duecourse.sqlite")
    with Session(engine) as s:
        for n in range(3):
            case = make_case(s, dpd=120)
            s.add(
                Review(
                    case_id=case.id, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
                    opened_on=date(2026, 11, 2), key=f"shown-{n}", policy_version="v1",
                )
            )  # fmt: skip
        s.add(
            Review(
                case_id=case.id, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
                opened_on=date(2026, 11, 1), key="decided", policy_version="v1",
                status=ReviewStatus.REJECTED, decided_by="demo.xulawyer", comment="证据不足",
                decided_at=datetime(2026, 11, 2, 17, 0, tzinfo=UTC),  # 01:00 next day, Shanghai
            )
        )  # fmt: skip
        s.commit()
    engine.dispose()
    cut = json.loads(cli("review", "list", "--limit", "2", "--json").out)
    assert (cut["count"], cut["total"], cut["shown"], cut["truncated"]) == (2, 3, 2, True)
    assert len(cut["reviews"]) == 2
    whole = json.loads(cli("review", "list", "--json").out)
    assert (whole["total"], whole["truncated"]) == (3, False)
    human = cli("review", "list", "--limit", "2")
    assert human.code == 0 and "2 of 3 shown" in human.out
    assert "shown" not in cli("review", "list").out
    decided = json.loads(cli("review", "list", "--status", "rejected", "--json").out)
    assert decided["reviews"][0]["decided_at"] == "2026-11-03T01:00:00+08:00"
    table = cli("review", "list", "--status", "rejected")
    assert "2026-11-03 01:00" in table.out and "17:00" not in table.out


def test_a_decision_time_is_shanghai_in_show_and_approve_json(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`review show --json` and `review approve --json` give the decision time as people read
    it (+08:00), like `review list` (it was UTC in those two)."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-03")
    rid = _seed(tmp_path / "home")
    approved = json.loads(cli("review", "approve", str(rid), "--as", "demo.xulawyer", "--json").out)
    assert approved["decided_at"].endswith("+08:00")
    shown = json.loads(cli("review", "show", str(rid), "--json").out)
    assert shown["decided_at"] == approved["decided_at"]
