"""`duecourse web`: serves create_app with uvicorn, says where and how to sign in."""

from __future__ import annotations

import io
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced: what it would have served, instead of serving it."""
    calls: list[dict[str, Any]] = []

    def run(app: Any, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})

    monkeypatch.setattr("uvicorn.run", run)
    return calls


def test_web_prints_the_url_and_how_to_sign_in(
    cli: Cli, served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = cli("web", "--port", "18081")
    assert out.code == 0, out.err
    lines = out.out.splitlines()
    assert lines[0] == "Duecourse web console: http://127.0.0.1:18081/"
    assert "duecourse users set-password demo.xulawyer" in lines[1]  # nobody has one yet
    (call,) = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 18081)
    assert call["app"].state.settings.home == tmp_path / "home"
    assert (tmp_path / "home" / "web-secret").exists()
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough pw\na long enough pw\n"))
    assert cli("users", "set-password", "demo.sunfa").code == 0
    again = cli("web", "--port", "18081")
    assert "sign in with a roster name and the password" in again.out


def test_a_port_in_use_is_one_line(cli: Cli, served: list[dict[str, Any]]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = cli("web", "--port", str(port))
    assert out.code == 1
    assert out.err.strip() == f"duecourse: cannot serve on 127.0.0.1:{port}: already in use"
    assert served == []
