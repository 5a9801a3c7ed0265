from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlmodel import Session

from models.db import open_engine
from models.review import Review
from rules.enums import Role, Stage
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
