"""The demo ends with how to open the web console and a password for its legal user (issue 20:
"sign in as the demo's legal user with the password the demo prints")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session

from duecourse.cli.demo import _web_sign_in
from duecourse.settings import Settings
from tasks.credentials import verify


def test_the_demo_prints_a_password_that_signs_the_legal_user_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("DUECOURSE_POLICY_DIR", "DUECOURSE_DATABASE_URL", "DUECOURSE_HOME"):
        monkeypatch.delenv(var, raising=False)
    settings = Settings.resolve(home=str(tmp_path / "demo"))
    passwords = []
    for _ in range(2):
        _web_sign_in(settings)
        out = capsys.readouterr().out
        assert f"duecourse --home {settings.home} web" in out
        found = re.search(r"sign in as (\S+) / password (\S+)", out)
        assert found, out
        assert found.group(1) == "demo.xulawyer"  # the shipped roster's first legal user
        passwords.append(found.group(2))
    assert passwords[0] != passwords[1]  # a fresh one at each demo run
    with Session(settings.engine) as session:
        assert verify(session, "demo.xulawyer", passwords[1])
        assert not verify(session, "demo.xulawyer", passwords[0])
    settings.engine.dispose()
