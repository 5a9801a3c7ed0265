"""`duecourse users`: the roster and each person's open cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

import duecourse.cli  # noqa: F401  (registers the commands)
from duecourse.cli.app import app
from rules.enums import CaseStatus
from tests.factories import make_case

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    monkeypatch.delenv("DUECOURSE_DATABASE_URL", raising=False)
    return tmp_path / "home"


def test_users_without_a_database_does_not_create_one(home: Path) -> None:
    result = runner.invoke(app, ["--home", str(home), "users", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert len(doc["users"]) == 13
    first = doc["users"][0]
    assert first == {
        "name": "demo.wangfang", "display_name": "王芳（演示）", "role": "collector",
        "team": "早期催收一组", "capacity": 150, "open_cases": 0, "demo": True,
    }  # fmt: skip
    assert doc["unrostered_owners"] == []
    assert not (home / "duecourse.sqlite").exists()


def test_users_counts_open_cases_by_owner(home: Path, db_url: str, engine: Engine) -> None:
    with Session(engine) as session:
        make_case(session, owner="demo.liqiang")
        make_case(session, owner="demo.liqiang")
        make_case(session, owner="demo.sunfa", dpd=120)
        make_case(session, owner="someone.left")
        make_case(session, owner=None)
        closed = make_case(session, owner="demo.sunfa")
        closed.status = CaseStatus.CLOSED
        session.add(closed)
        session.commit()
    result = runner.invoke(app, ["--home", str(home), "--database-url", db_url, "users", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    loads = {u["name"]: u["open_cases"] for u in doc["users"]}
    assert loads["demo.liqiang"] == 2 and loads["demo.sunfa"] == 1 and loads["demo.wangfang"] == 0
    assert doc["unrostered_owners"] == [{"name": "someone.left", "open_cases": 1}]
    table = runner.invoke(app, ["--home", str(home), "--database-url", db_url, "users"])
    assert table.exit_code == 0
    assert "孙法（演示）" in table.stdout and "(not in roster)" in table.stdout
    assert "demo roster" in table.stdout
