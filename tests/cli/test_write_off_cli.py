"""`duecourse write-off`: a review of the move to written_off (账销案存), decided by a supervisor
(four-eyes), after which the case is written off but still open: payments are allocated to it and
the ladder never moves it back because of its DPD (issue 18 item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session

from models import Case
from models.db import make_engine
from rules.enums import CaseStatus, Stage
from tests.cli.conftest import Cli, store_case


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    return home


def _case(home: Path, **kw: object) -> int:
    return store_case(home, **kw)[0]


def _case_row(home: Path, cid: int) -> Case:
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    with Session(engine) as s:
        case = s.get(Case, cid)
        assert case is not None
        s.expunge(case)
    engine.dispose()
    return case


def test_write_off_review_then_the_case_stays_open_under_recovery(cli: Cli, home: Path) -> None:
    cid = _case(home, dpd=150, principal="1500.00", stage=Stage.FORMAL_DEMAND)
    out = cli("write-off", str(cid), "--note", "under the legal floor", "--as", "demo.zhoujie",
              "--json")  # fmt: skip
    assert out.code == 0, out.err
    review = json.loads(out.out)
    assert review["target_stage"] == "written_off" and review["required_role"] == "supervisor"
    again = cli("write-off", str(cid), "--note", "x", "--as", "demo.liqiang")
    assert again.code != 0 and "pending already" in again.err
    own = cli("review", "approve", str(review["id"]), "--as", "demo.zhoujie")
    assert own.code != 0 and "four-eyes" in own.err
    collector = cli("review", "approve", str(review["id"]), "--as", "demo.wangfang")
    assert collector.code != 0 and "needs the supervisor role" in collector.err
    ok = cli("review", "approve", str(review["id"]), "--as", "demo.wuxia")
    assert ok.code == 0, ok.err
    assert cli("run-day", "--as-of", "2026-11-10", "--no-prefect").code == 0
    case = _case_row(home, cid)
    assert case.stage == Stage.WRITTEN_OFF and case.status == CaseStatus.OPEN
    assert cli("run-day", "--as-of", "2026-11-10", "--no-prefect").code == 0
    assert _case_row(home, cid).stage == Stage.WRITTEN_OFF  # sticky: DPD does not move it
    paid = cli("pay", str(cid), "100.00", "--date", "2026-11-10", "--json")
    assert paid.code == 0, paid.err
    assert json.loads(paid.out)["allocation"]["fees"] == "50.00"


def test_write_off_errors_are_one_line(cli: Cli, home: Path) -> None:
    cid = _case(home, dpd=45, stage=Stage.FORMAL_DEMAND)
    no_note = cli("write-off", str(cid), "--note", " ", "--as", "demo.liqiang")
    assert no_note.code != 0 and "--note is required" in no_note.err
    nobody = cli("write-off", str(cid), "--note", "x", "--as", "nobody")
    assert nobody.code != 0 and "not in the roster" in nobody.err
    early = _case(home, dpd=10, stage=Stage.SOFT_REMINDER)
    refused = cli("write-off", str(early), "--note", "x", "--as", "demo.liqiang")
    assert refused.code != 0 and "does not let go to written_off" in refused.err
    assert "Traceback" not in refused.err
