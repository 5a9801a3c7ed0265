"""`duecourse legal next` and `duecourse legal package`: JSON, human output, one-line errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from models.db import open_engine
from tests.cli.conftest import Cli
from tests.tasks.legal_seed import AS_OF, legal_case


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", AS_OF.isoformat())


def _seed(home: Path, deadline: date = date(2026, 10, 30)) -> int:
    home.mkdir(parents=True, exist_ok=True)
    engine = open_engine(f"sqlite:///{home}/duecourse.sqlite")
    with Session(engine) as s:
        case_id = legal_case(s, letter_deadline=deadline)
    engine.dispose()
    return case_id


def test_legal_next_says_payment_order_with_reasons(cli: Cli, tmp_path: Path) -> None:
    case_id = _seed(tmp_path / "home")
    out = cli("legal", "next", str(case_id), "--json")
    assert out.code == 0, out.err
    doc = json.loads(out.out)
    assert doc["step"] == "payment_order" and doc["case_id"] == case_id
    assert doc["preconditions"]["hold"] is True
    human = cli("legal", "next", str(case_id))
    assert "next step payment_order" in human.out and "Art. 427" in human.out


def test_legal_next_waits_while_the_letter_deadline_runs(cli: Cli, tmp_path: Path) -> None:
    case_id = _seed(tmp_path / "home", deadline=date(2026, 11, 9))
    doc = json.loads(cli("legal", "next", str(case_id), "--json").out)
    assert doc["step"] == "none" and "has not passed" in doc["reasons"][0]


def test_legal_package_builds_once_and_prints_the_zip_hash(cli: Cli, tmp_path: Path) -> None:
    case_id = _seed(tmp_path / "home")
    first = cli("legal", "package", str(case_id), "--kind", "suit", "--as", "demo.xulawyer",
                "--json")  # fmt: skip
    assert first.code == 0, first.err
    doc = json.loads(first.out)
    assert doc["created"] is True and len(doc["zip_sha256"]) == 64
    assert doc["court"]["court"] == "杭州市西湖区人民法院"
    assert doc["small_claims"]["applies"] is True
    again = cli("legal", "package", str(case_id), "--kind", "suit")
    assert again.code == 0 and "already built" in again.out and doc["zip_sha256"] in again.out


def test_legal_package_errors_are_one_line(cli: Cli, tmp_path: Path) -> None:
    case_id = _seed(tmp_path / "home")
    bad = cli("legal", "package", str(case_id), "--kind", "appeal")
    assert bad.code == 2 and "--kind: unknown value 'appeal'" in bad.err
    collector = cli("legal", "package", str(case_id), "--kind", "suit", "--as", "demo.zhangmin")
    assert collector.code == 1 and "needs the legal role" in collector.err
    missing = cli("legal", "package", "99999", "--kind", "suit")
    assert missing.code == 1 and len(missing.err.strip().splitlines()) == 1
