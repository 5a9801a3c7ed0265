"""`duecourse users set-password USER`, and `duecourse review` recording via='cli'."""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from models import UserCredential
from models.db import open_engine
from models.review import Review
from rules.enums import DecisionVia, Role, Stage
from tasks.credentials import verify
from tests.cli.conftest import Cli
from tests.factories import make_case

PASSWORD = "correct horse battery"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def _hash(home: Path, user: str) -> str | None:
    engine = open_engine(f"sqlite:///{home}/duecourse.sqlite")
    with Session(engine) as s:
        row = s.get(UserCredential, user)
        found = row.password_hash if row else None
        ok = verify(s, user, PASSWORD)
    engine.dispose()
    return found if ok else None


def test_set_password_reads_two_lines_and_stores_only_a_hash(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, f"{PASSWORD}\n{PASSWORD}\n")
    out = cli("users", "set-password", "demo.xulawyer")
    assert out.code == 0, out.err
    assert out.out.strip() == "password set for demo.xulawyer; sign in with it at duecourse web"
    assert PASSWORD not in out.out + out.err
    stored = _hash(tmp_path / "home", "demo.xulawyer")
    assert stored is not None and stored.startswith("$argon2id$")
    sqlite_bytes = (tmp_path / "home" / "duecourse.sqlite").read_bytes()
    assert PASSWORD.encode() not in sqlite_bytes


@pytest.mark.parametrize(
    "refusal",
    [
        ("nobody.here", f"{PASSWORD}\n{PASSWORD}\n", 1, "'nobody.here' is not in the roster"),
        ("demo.xulawyer", f"{PASSWORD}\n{PASSWORD}x\n", 2, "the two passwords differ"),
        ("demo.xulawyer", "short\nshort\n", 2, "at least 10 characters"),
        ("demo.xulawyer", f"{PASSWORD}\n", 2, "give the password twice"),
    ],
)
def test_set_password_refusals_are_one_line_and_change_nothing(
    cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    refusal: tuple[str, str, int, str],
) -> None:
    user, stdin, code, error = refusal
    _stdin(monkeypatch, stdin)
    out = cli("users", "set-password", user)
    assert out.code == code
    assert out.err.startswith("duecourse: ") and error in out.err
    assert len(out.err.strip().splitlines()) == 1 and "short" not in out.err
    assert _hash(tmp_path / "home", "demo.xulawyer") is None


def test_set_password_prompts_twice_on_a_terminal(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    asked: list[tuple[str, bool]] = []

    def prompt(text: str, hide_input: bool = False, **_: object) -> str:
        asked.append((text, hide_input))
        return PASSWORD

    monkeypatch.setattr("duecourse.cli.users.typer.prompt", prompt)
    assert cli("users", "set-password", "demo.sunfa").code == 0
    assert asked == [("new password", True), ("the same again", True)]


def test_the_users_listing_still_works_beside_set_password(cli: Cli) -> None:
    out = cli("users", "--json")
    assert out.code == 0 and any(u["name"] == "demo.xulawyer" for u in json.loads(out.out)["users"])


def test_a_cli_decision_records_via_cli(cli: Cli, tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path}/home/duecourse.sqlite")
    with Session(engine) as s:
        case = make_case(s, dpd=120)
        review = Review(
            case_id=case.id or 0, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
            opened_on=date(2026, 11, 2), key="k1", policy_version="v1",
        )  # fmt: skip
        s.add(review)
        s.commit()
        rid = review.id
    out = cli("review", "approve", str(rid), "--as", "demo.xulawyer", "--json")
    assert out.code == 0, out.err
    shown = json.loads(out.out)
    assert (shown["decided_by"], shown["decided_via"], shown["requested_by"]) == (
        "demo.xulawyer",
        "cli",
        "system",
    )
    with Session(engine) as s:
        stored = s.get(Review, rid)
        assert stored is not None and stored.decided_via == DecisionVia.CLI
    engine.dispose()
