"""`duecourse dispatch` as a user runs it after `run-day` on the shipped policy: one JSON
document with --json, the table otherwise, the SMS in the home's outbox and on the case file,
a rerun sending nothing again, and one-line refusals (a bad --at, a day to come)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.cli.cycle_home import DAY, seed

NEXT = DAY + timedelta(days=1)  # the shipped ladder's reminder_sms: a day after entry


@pytest.fixture
def home(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three cases (M1, M2, M4) whose day DAY was run: calls and letters planned."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for var in ("PROVIDER", "URL", "KEY", "SECRET"):
        monkeypatch.delenv(f"DUECOURSE_SMS_{var}", raising=False)
    monkeypatch.delenv("DUECOURSE_SMTP_HOST", raising=False)
    monkeypatch.setenv("DUECOURSE_TODAY", DAY.isoformat())
    home = tmp_path / "home"
    seed(home)
    ran = cli("run-day", "--as-of", DAY.isoformat(), "--no-prefect")
    assert ran.code == 0, ran.err
    return home


def test_json_is_one_document_and_the_sms_reaches_the_case_file(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cli("dispatch", "--json")
    assert first.code == 0, first.err
    day = json.loads(first.out)  # the whole of stdout is one JSON document
    assert day["as_of"] == DAY.isoformat() and day["at"] == f"{DAY.isoformat()}T09:00:00+08:00"
    assert day["conduct_pack"].startswith("cn@v1") and day["failures"] == {}
    assert day["by_channel"] == {"call": {"queued": 1}, "mail": {"queued": 2}}
    assert day["senders"]["sms"] == f"sms outbox {home / 'outbox' / 'sms.jsonl'}"

    monkeypatch.setenv("DUECOURSE_TODAY", NEXT.isoformat())
    assert cli("run-day", "--no-prefect").code == 0
    second = cli("dispatch", "--json")
    assert second.code == 0, second.err
    data = json.loads(second.out)
    assert data["as_of"] == NEXT.isoformat() and data["by_channel"]["sms"] == {"sent": 1}
    outbox = (home / "outbox" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(outbox) == 1
    sent = json.loads(outbox[0])
    assert sent["key"] == f"1|soft_reminder:reminder_sms#1|sms|{NEXT.isoformat()}"
    assert "13812345678" not in second.out and "13812345678" not in second.err

    case = cli("case", "1", "--json")
    assert case.code == 0, case.err
    (contact,) = json.loads(case.out)["contacts"]
    assert contact["channel"] == "sms" and contact["status"] == "sent"
    assert contact["demand"] is True and contact["to"] == "138****5678"
    assert contact["proof"] == {"ref": sent["message_id"]} and contact["actor"] == "dispatch"
    assert contact["at"] == f"{NEXT.isoformat()}T09:00:00+08:00"

    again = cli("dispatch", "--json")
    assert again.code == 0 and json.loads(again.out)["lines"] == 0
    assert len((home / "outbox" / "sms.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_the_table_names_the_rules_that_held_lines_back(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", NEXT.isoformat())
    assert cli("run-day", "--no-prefect").code == 0
    out = cli("dispatch", "--at", "06:30")
    assert out.code == 0, out.err
    assert out.out.startswith(f"contact dispatch {NEXT.isoformat()} at 06:30 +0800 (run ")
    header = "┃ channel ┃ sent ┃ delivered ┃ queued ┃ deferred ┃ blocked ┃ failed ┃ skipped ┃"
    assert header in out.out
    rows = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:9]]
        for line in out.out.splitlines()
        if "│" in line
    }
    assert rows["sms"] == ["0", "0", "0", "1", "0", "0", "0"]
    assert rows["mail"][2] != "0" and rows["call"][2] != "0"  # calls wait in the queue for 08:00
    assert "deferred by rule: hours 1" in out.out
    assert "sms: sms outbox" in out.out.replace("\n", " ")
    assert not (out.out + out.err).count("13812345678")


@pytest.mark.parametrize("value", ["25:00", "9h", "noon"])
def test_a_bad_time_is_one_line_and_exit_2(cli: Cli, home: Path, value: str) -> None:
    out = cli("dispatch", "--at", value)
    assert out.code == 2 and out.out == ""
    assert out.err.strip() == f"duecourse: --at {value!r} is not a time HH:MM"


def test_a_day_to_come_is_refused_in_one_line(cli: Cli, home: Path) -> None:
    out = cli("dispatch", "--as-of", NEXT.isoformat(), "--json")
    assert out.code == 1 and out.out == ""
    assert out.err.count("\n") == 1 and "Traceback" not in out.err
    assert out.err.startswith(f"duecourse: --as-of {NEXT.isoformat()} is after today ({DAY})")
