"""Hostile policy files (issue 13 item 7): billion laughs, a recursive anchor, deep nesting and
an oversized file, in each policy file kind, are one `file:line:` line on stderr and exit 2
from `duecourse policy check` and the loaders the other commands use."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import duecourse.cli  # noqa: F401  (registers the commands)
from duecourse.cli import main
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.policy import SHIPPED_POLICY_DIR, load_policy, load_roster
from tasks.yaml_file import YamlRefusedError

KINDS = ["ladder.yaml", "roster.yaml", "bank.yaml", "calendar.yaml", "buckets.yaml", "risk.yaml"]
LAUGHS = "# hostile\nlol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
HOSTILE = {
    "billion-laughs": (LAUGHS, 2, "anchor &a refused (anchors and aliases are not allowed)"),
    "recursive-anchor": ("# hostile\n\nloop: &x [*x]\n", 3, "anchor &x refused"),
    "deep-nesting": ("# hostile\nx: " + "[" * 200_000 + "\n", 2, "nested deeper than 50 levels"),
    "too-large": ("# padding\n" * 110_000, 1, "file larger than 1 MiB: refused"),
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DUECOURSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    target = tmp_path / "bank-policy"
    shutil.copytree(SHIPPED_POLICY_DIR, target)
    return target


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hostile", list(HOSTILE))
def test_policy_check_refuses_a_hostile_file_in_one_line_exit_2(
    folder: Path,
    tmp_path: Path,
    kind: str,
    hostile: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text, line, message = HOSTILE[hostile]
    (folder / kind).write_text(text, encoding="utf-8")
    argv = ["duecourse", "--home", str(tmp_path / "home"), "policy", "check", str(folder)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert captured.out == ""
    (only,) = captured.err.splitlines()
    assert only.startswith(f"duecourse: {folder / kind}:{line}: {message}")


@pytest.mark.parametrize("hostile", list(HOSTILE))
def test_every_loader_refuses_a_hostile_file(folder: Path, hostile: str) -> None:
    """What run-day, render and the flows read: the policy, the roster, bank.yaml, the calendar."""
    text, line, _ = HOSTILE[hostile]
    loaders: dict[str, Callable[[Path], object]] = {
        "ladder.yaml": load_policy,
        "roster.yaml": load_roster,
        "bank.yaml": load_bank,
        "calendar.yaml": load_calendar,
    }
    for kind, loader in loaders.items():
        original = (folder / kind).read_text(encoding="utf-8")
        (folder / kind).write_text(text, encoding="utf-8")
        with pytest.raises(YamlRefusedError, match=rf"^{folder / kind}:{line}: ") as caught:
            loader(folder)
        assert caught.value.exit_code == 2
        (folder / kind).write_text(original, encoding="utf-8")


def test_policy_check_lists_a_broken_calendar_and_bank_yaml(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not valid YAML in calendar.yaml and an unknown key in bank.yaml: both listed, exit 1."""
    (folder / "calendar.yaml").write_text("years:\n  2027: [\n", encoding="utf-8")
    with (folder / "bank.yaml").open("a", encoding="utf-8") as f:
        f.write("swift_code: XXXX\n")
    argv = ["duecourse", "--home", str(tmp_path / "home"), "policy", "check", str(folder)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    assert exited.value.code == 1
    lines = captured.out.splitlines()
    assert lines[0].startswith(f"{folder / 'calendar.yaml'}:3: not valid YAML: ")
    bank_lines = len((folder / "bank.yaml").read_text(encoding="utf-8").splitlines())
    assert lines[1] == f"{folder / 'bank.yaml'}:{bank_lines}: unknown key 'swift_code'"
    assert captured.err.strip() == "duecourse: policy check failed: 2 problems"
