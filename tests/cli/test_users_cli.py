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
        "team": "早期催收一组", "capacity": 150, "open_cases": 0, "over_capacity": False,
        "email": None, "demo": True,
    }  # fmt: skip
    ops = next(u for u in doc["users"] if u["role"] == "ops")
    assert ops["email"] == "d***@example.com"  # the demo ops address, masked
    assert doc["unrostered_owners"] == [] and doc["over_capacity"] == []
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


def test_users_name_who_is_over_capacity(
    home: Path, db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy"
    policy.mkdir()
    (policy / "roster.yaml").write_text(
        "users:\n"
        "  - {name: ann, display_name: Ann, role: collector, capacity: 2}\n"
        "  - {name: bob, display_name: Bob, role: collector, capacity: 1}\n"
        "  - {name: cat, display_name: Cat, role: collector, capacity: 3}\n"
        "  - {name: ops, display_name: Ops, role: ops, capacity: 0}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(policy))
    with Session(engine) as session:
        for owner in ("ann", "ann", "ann", "bob", "bob", "bob", "cat", "cat", "ops"):
            make_case(session, owner=owner)
        session.commit()
    base = ["--home", str(home), "--database-url", db_url, "users"]
    doc = json.loads(runner.invoke(app, [*base, "--json"]).stdout)
    # bob 3/1 first (most over by share), then ann 3/2; cat 2/3 is not; ops carries none: 1/0
    assert [(r["name"], r["open_cases"], r["capacity"]) for r in doc["over_capacity"]] == [
        ("ops", 1, 0), ("bob", 3, 1), ("ann", 3, 2),
    ]  # fmt: skip
    flags = {u["name"]: u["over_capacity"] for u in doc["users"]}
    assert flags == {"ann": True, "bob": True, "cat": False, "ops": True}
    table = runner.invoke(app, base)
    assert "over capacity: ops 1/0, bob 3/1, ann 3/2" in table.stdout
    assert "150% over" in table.stdout and "67%" in table.stdout
