"""`duecourse legal firms|place|recall|letter draft`, `review show`'s `qualifies` section, and
`policy check` reading law_firms.yaml: one line for a person's mistake, never a traceback."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from models import Contact
from models.db import open_engine
from models.review import Review
from rules.enums import Channel, ContactStatus, Role, Stage
from tasks.policy_dir import SHIPPED_POLICY_DIR
from tests.cli.conftest import Cli
from tests.factories import make_case

TODAY = date(2026, 11, 10)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", TODAY.isoformat())


def _seed(home: Path, *, demand: bool) -> tuple[int, int]:
    """A DPD-120 case with a pending review of the move to lawyer_letter (and a delivered
    collection letter when `demand`): (case id, review id)."""
    engine = open_engine(f"sqlite:///{home}/duecourse.sqlite")
    with Session(engine) as s:
        case = make_case(s, dpd=120)
        assert case.id is not None
        review = Review(
            case_id=case.id, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
            opened_on=TODAY, key=f"k{case.id}", policy_version="v1",
        )  # fmt: skip
        s.add(review)
        if demand:
            s.add(
                Contact(
                    key=f"c{case.id}",
                    case_id=case.id,
                    as_of=date(2026, 10, 1),
                    at=datetime(2026, 10, 1, 8, tzinfo=UTC),
                    channel=Channel.MAIL,
                    template="collection_letter",
                    status=ContactStatus.DELIVERED,
                    demand=True,
                    proof_ref="CL-2026-000007",
                    tracking_number="XA123456789CN",
                    delivered_on=date(2026, 10, 4),
                )
            )
        s.commit()
        ids = (case.id, review.id or 0)
    engine.dispose()
    return ids


def test_place_recall_and_firms(cli: Cli, tmp_path: Path) -> None:
    case_id, _ = _seed(tmp_path / "home", demand=False)
    refused = cli("legal", "place", str(case_id), "--as", "demo.wangfang")
    assert refused.code == 1
    assert refused.err.strip() == (
        "duecourse: placing a case with a law firm needs the legal role; demo.wangfang is collector"
    )
    placed = cli("legal", "place", str(case_id), "--as", "demo.xulawyer", "--json")
    assert placed.code == 0, placed.err
    out = json.loads(placed.out)
    assert (out["firm_id"], out["lawyer_licence"], out["placed_on"]) == (
        "demo-donghai", "13101200000000001", "2026-11-10"
    )  # fmt: skip
    (shown,) = json.loads(cli("case", str(case_id), "--json").out)["placements"]
    assert (shown["firm_id"], shown["recalled_on"]) == ("demo-donghai", None)
    assert "demo-donghai  13101200000000001  2026-11-10" in cli("case", str(case_id)).out
    firms = json.loads(cli("legal", "firms", "--json").out)
    assert firms["demo"] is True
    assert {f["id"]: f["load"] for f in firms["firms"]} == {"demo-donghai": 1, "demo-xihu": 0}
    again = cli("legal", "place", str(case_id), "--as", "demo.xulawyer")
    assert again.code == 1 and "already placed with demo-donghai" in again.err
    no_reason = cli("legal", "recall", str(case_id), "--as", "demo.xulawyer", "--reason", " ")
    assert no_reason.code == 2 and "--reason" in no_reason.err
    recalled = cli("legal", "recall", str(case_id), "--as", "demo.xulawyer", "--reason", "和解")
    assert recalled.code == 0, recalled.err
    assert "recalled on 2026-11-10" in recalled.out
    unknown = cli("legal", "place", str(case_id), "--as", "demo.xulawyer", "--firm", "nope")
    assert unknown.code == 1 and "no panel firm 'nope'" in unknown.err


def test_review_show_says_why_a_case_qualifies(cli: Cli, tmp_path: Path) -> None:
    _, with_demand = _seed(tmp_path / "home", demand=True)
    _, without = _seed(tmp_path / "home", demand=False)
    shown = json.loads(cli("review", "show", str(with_demand), "--json").out)["qualifies"]
    assert shown["qualifies"] is True
    assert (shown["balance_floor"], shown["dpd"], shown["min_dpd"]) == ("3000", 120, 91)
    (demand,) = shown["delivered_demands"]
    assert (demand["letter_number"], demand["tracking_number"], demand["delivered_on"]) == (
        "CL-2026-000007", "XA123456789CN", "2026-10-04"
    )  # fmt: skip
    missing = json.loads(cli("review", "show", str(without), "--json").out)["qualifies"]
    assert missing["qualifies"] is False and missing["checks"]["delivered_demand"] is False
    text = cli("review", "show", str(without))
    assert text.code == 0, text.err
    assert "qualifies for a lawyer's letter: NO" in text.out
    assert "none (going legal needs one)" in text.out


def test_letter_draft_of_a_review(cli: Cli, tmp_path: Path) -> None:
    _, review_id = _seed(tmp_path / "home", demand=True)
    prepared = cli("legal", "letter", "prepare", "--json")
    assert prepared.code == 0, prepared.err
    assert json.loads(prepared.out) == {
        "as_of": "2026-11-10", "drafted": 1, "lines_planned": 0, "problems": []
    }  # fmt: skip
    assert json.loads(cli("legal", "letter", "prepare", "--json").out)["drafted"] == 0
    drafted = cli("legal", "letter", "draft", str(review_id), "--json")
    assert drafted.code == 0, drafted.err
    docs = json.loads(drafted.out)["documents"]
    assert sorted(d["format"] for d in docs) == ["docx", "pdf"]
    assert all(Path(d["file"]).is_file() for d in docs)
    shown = json.loads(cli("review", "show", str(review_id), "--json").out)
    assert sorted(d["kind"] for d in shown["drafts"]) == ["lawyer_letter_draft"] * 2
    bad = cli("legal", "letter", "draft", "999")
    assert bad.code == 1 and bad.err.strip() == "duecourse: no review with id 999"


def test_policy_check_reports_a_bad_licence_at_its_line(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(SHIPPED_POLICY_DIR, folder)
    ok = cli("policy", "check", str(folder))
    assert ok.code == 0 and "2 law firms (demo)" in ok.out
    path = folder / "law_firms.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "13301200000000003" in line)
    lines[at] = lines[at].replace("13301200000000003", "1330120000000000")  # 16 digits
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = cli("policy", "check", str(folder))
    assert bad.code == 1
    assert f"law_firms.yaml:{at + 1}:" in bad.out and "licence" in bad.out
