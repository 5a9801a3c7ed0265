"""`duecourse dispute` and `dispute resolve`: evidence stored byte for byte with its SHA-256, the
flags set (a DPD-200 hardship claim included), the review routed by kind (legal for identity
theft and disputed charges), the dispute_decision milestone listed by `deadlines`, resolve
refused for the wrong role and for whoever opened it, and each outcome's effect."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlmodel import Session

from models import Case
from models.db import make_engine, upgrade
from rules.enums import Stage
from tests.cli.conftest import Cli
from tests.factories import make_case

OPENER = "demo.liqiang"


@pytest.fixture
def home(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")  # a Tuesday
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    return home


def _case(home: Path, *, dpd: int = 45, stage: Stage = Stage.FORMAL_DEMAND) -> int:
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    upgrade(engine)
    with Session(engine) as s:
        c = make_case(s, dpd=dpd, stage=stage)
        s.commit()
        cid = int(c.id or 0)
    engine.dispose()
    return cid


def _open(cli: Cli, cid: int, kind: str, *extra: str) -> dict[str, object]:
    out = cli("dispute", str(cid), "--kind", kind, "--note", "not my card", "--as", OPENER,
              *extra, "--json")  # fmt: skip
    assert out.code == 0, out.err
    data: dict[str, object] = json.loads(out.out)
    return data


def test_evidence_is_stored_unchanged_with_its_hash(cli: Cli, home: Path, tmp_path: Path) -> None:
    cid = _case(home)
    scan = tmp_path / "police report.PDF"
    content = b"%PDF-1.4 \x00\xff report bytes"
    scan.write_bytes(content)
    data = _open(cli, cid, "identity-theft", "--evidence", str(scan), "--evidence", str(scan))
    digest = hashlib.sha256(content).hexdigest()
    assert [e["sha256"] for e in data["evidence"]] == [digest]  # type: ignore[union-attr,index]
    evidence = data["evidence"][0]  # type: ignore[index]
    assert evidence["file_name"] == "police report.PDF" and evidence["format"] == "pdf"
    stored = home / "documents" / evidence["path"]
    assert stored.read_bytes() == content and stored.parent.name == "2026"
    assert scan.read_bytes() == content
    file = json.loads(cli("case", str(cid), "--json").out)
    assert file["disputes"][0]["evidence"][0]["document_id"] == evidence["document_id"]
    doc = next(d for d in file["documents"] if d["id"] == evidence["document_id"])
    assert (doc["kind"], doc["sha256"], doc["template_version"]) == ("evidence", digest, 0)
    added = [e for e in file["timeline"] if e["event"] == "evidence_added"]
    assert len(added) == 1 and digest in added[0]["detail"]
    verify = cli("documents", "verify", "--json")
    assert verify.code == 0, verify.out + verify.err
    assert "sha256 " in cli("case", str(cid)).out


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("identity-theft", "legal"),
        ("disputed-charges", "legal"),
        ("hardship", "supervisor"),
        ("force-majeure", "supervisor"),
    ],
)
def test_the_review_goes_to_the_policys_role(cli: Cli, home: Path, kind: str, role: str) -> None:
    cid = _case(home)
    data = _open(cli, cid, kind)
    assert data["reviewer_role"] == role and data["status"] == "open"
    review = json.loads(cli("review", "show", str(data["review_id"]), "--json").out)
    assert (review["kind"], review["required_role"], review["requested_by"]) == (
        "dispute", role, OPENER,
    )  # fmt: skip
    milestone = data["milestone"]
    assert milestone["due"] == "2026-11-24"  # type: ignore[index]  # 10 working days
    deadlines = json.loads(cli("deadlines", "--as-of", "2026-11-23", "--json").out)
    assert ("dispute_decision", cid) in [(d["kind"], d["case_id"]) for d in deadlines["deadlines"]]


def test_a_dpd_200_hardship_claim_sets_the_flags(cli: Cli, home: Path) -> None:
    cid = _case(home, dpd=200, stage=Stage.LAWYER_LETTER)
    data = _open(cli, cid, "hardship")
    assert data["flags"] == ["dispute_open", "hardship_claimed", "hardship_review"]
    file = json.loads(cli("case", str(cid), "--json").out)
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    with Session(engine) as s:
        case = s.get(Case, cid)
        assert case is not None and case.return_stage == Stage.LAWYER_LETTER  # sticky: back there
    engine.dispose()
    events = [e["event"] for e in file["timeline"]]
    assert {"dispute_opened", "dispute_open", "hardship_claimed", "hardship_review"} <= set(events)
    again = cli("dispute", str(cid), "--kind", "hardship", "--note", "again")
    assert again.code == 1 and "already has an open hardship dispute" in again.err


def test_bad_requests_are_one_line_and_record_nothing(cli: Cli, home: Path, tmp_path: Path) -> None:
    cid = _case(home)
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (20 * 1024 * 1024 + 1))
    for args, code, words in (
        (("--kind", "hardship", "--note", "x", "--evidence", str(tmp_path / "no.pdf")), 1,
         "no such file"),
        (("--kind", "hardship", "--note", "x", "--evidence", str(big)), 1, "20 MB limit"),
        (("--kind", "bankrupt", "--note", "x"), 2, "--kind"),
        (("--kind", "hardship", "--note", "  "), 2, "--note"),
    ):  # fmt: skip
        out = cli("dispute", str(cid), *args)
        assert out.code == code and out.out == "", out.err
        assert len(out.err.strip().splitlines()) == 1 and words in out.err
    file = json.loads(cli("case", str(cid), "--json").out)
    assert file["disputes"] == [] and file["reviews"] == []
    assert not (home / "documents" / "evidence").exists()


def test_resolve_refuses_the_wrong_role_and_the_opener(cli: Cli, home: Path) -> None:
    cid = _case(home)
    _open(cli, cid, "disputed-charges")
    base = ("dispute", "resolve", str(cid), "--outcome", "upheld", "--note", "fee reversed")
    supervisor = cli(*base, "--as", "demo.zhoujie")
    assert supervisor.code == 1 and "needs the legal role" in supervisor.err
    opened = cli(
        "dispute", str(cid), "--kind", "identity-theft", "--note", "x", "--as", "demo.xulawyer"
    )
    assert opened.code == 0, opened.err
    several = cli(*base, "--as", "demo.sunfa")
    assert several.code == 2 and "say which with --kind" in several.err
    own = cli(*base, "--as", "demo.xulawyer", "--kind", "identity-theft")
    assert own.code == 1 and "four-eyes" in own.err
    ok = cli(*base, "--as", "demo.sunfa", "--kind", "disputed-charges", "--json")
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["status"] == "upheld"
    file = json.loads(cli("case", str(cid), "--json").out)
    assert file["status"] == "open"  # identity theft still open, the dispute flag too
    events = [e["event"] for e in file["timeline"]]
    assert "dispute_resolved" in events and "dispute_open_cleared" not in events


def test_identity_theft_upheld_closes_the_case_as_withdrawn(cli: Cli, home: Path) -> None:
    cid = _case(home)
    _open(cli, cid, "identity-theft")
    hardship = _open(cli, cid, "hardship")
    out = cli("dispute", "resolve", str(cid), "--outcome", "upheld", "--note", "police report",
              "--as", "demo.sunfa", "--kind", "identity-theft")  # fmt: skip
    assert out.code == 0, out.err
    assert "upheld by demo.sunfa on 2026-11-10" in out.out
    file = json.loads(cli("case", str(cid), "--json").out)
    assert (file["status"], file["stage"], file["outcome"]) == ("closed", "withdrawn", "withdrawn")
    theft = next(d for d in file["disputes"] if d["kind"] == "identity-theft")
    assert (theft["status"], theft["resolution"]) == ("upheld", "police report")
    # one deadline for the case's disputes: still open while the hardship claim is (the daily
    # cycle waives a closed case's milestones)
    milestone = next(m for m in file["milestones"] if m["kind"] == "dispute_decision")
    assert milestone["status"] == "open"
    events = [e["event"] for e in file["timeline"]]
    assert {"dispute_resolved", "closed", "review_withdrawn"} <= set(events)
    withdrawn = next(r for r in file["reviews"] if r["id"] == hardship["review_id"])
    assert withdrawn["status"] == "withdrawn"  # a closed case's pending reviews


def test_hardship_rejected_through_the_review_queue(cli: Cli, home: Path) -> None:
    cid = _case(home)
    data = _open(cli, cid, "hardship")
    out = cli("review", "reject", str(data["review_id"]), "--as", "demo.zhoujie",
              "--comment", "income sufficient")  # fmt: skip
    assert out.code == 0, out.err
    file = json.loads(cli("case", str(cid), "--json").out)
    assert file["disputes"][0]["status"] == "rejected"
    events = [e["event"] for e in file["timeline"]]
    for cleared in ("dispute_open_cleared", "hardship_review_cleared", "hardship_claimed_cleared"):
        assert cleared in events
    assert "hardship_decided" in events
    again = cli("dispute", "resolve", str(cid), "--outcome", "upheld", "--note", "x",
                "--as", "demo.wuxia")  # fmt: skip
    assert again.code == 1 and "no open dispute" in again.err
