"""Run the CLI in-process through `duecourse.cli.main`, as a user's shell would."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Outcome:
    code: int
    out: str
    err: str


Cli = Callable[..., Outcome]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`cli("cases", "--json")` runs `duecourse --home <tmp> cases --json`."""
    from duecourse.cli import main

    home = tmp_path / "home"
    for var in ("DUECOURSE_POLICY_DIR", "DUECOURSE_DATABASE_URL", "DUECOURSE_HOME"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str, home_dir: Path = home) -> Outcome:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["duecourse", "--home", str(home_dir), *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


def store_case(home: Path, **case: object) -> tuple[int, str]:
    """A migrated SQLite store in `home` holding one open case (tests/factories.make_case with
    `case`'s overrides; by default owing 20,850.00: fees 50, interest 800, principal 20,000);
    its id and account id."""
    from sqlmodel import Session

    from models.db import make_engine, upgrade
    from tests.factories import make_case

    home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    upgrade(engine)
    with Session(engine) as s:
        c = make_case(s, **case)  # type: ignore[arg-type]
        s.commit()
        ids = (int(c.id or 0), c.account_id)
    engine.dispose()
    return ids
