"""`duecourse contact log CASE`: the JSON contract (the contact as the case file shows it, plus
`breach`), a breach warned on stderr and still recorded, a duplicate recorded once, bad and
future times refused in one line, and a collector refused on another's case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.cli.test_queue_cli import seed

LOG = ("contact", "log")


@pytest.fixture
def ids(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-03")
    return seed(tmp_path / "home")


def test_an_answered_call_as_json_then_in_the_case_file(cli: Cli, ids: dict[str, int]) -> None:
    out = cli(
        *LOG, str(ids["high"]), "--channel", "phone", "--outcome", "answered", "--at", "10:15",
        "--as", "demo.liqiang", "--note", "asked to call back", "--reference", "REC-1", "--json",
    )  # fmt: skip
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert (data["channel"], data["outcome"], data["status"]) == ("call", "answered", "logged")
    assert data["at"] == "2026-11-03T10:15:00+08:00" and data["proof"] == {"ref": "REC-1"}
    assert data["breach"] is None and data["duplicate"] is False and out.err == ""
    case = json.loads(cli("case", str(ids["high"]), "--json").out)
    assert case["contacts"][0]["id"] == data["id"]
    assert "contact_made" in [e["event"] for e in case["timeline"]]
    queue = json.loads(cli("queue", "--as", "demo.liqiang", "--as-of", "2026-11-03", "--json").out)
    assert [i["case_id"] for i in queue["items"]] == [ids["low"]]  # the worked line is done


def test_a_call_at_seven_thirty_is_recorded_with_a_warning(cli: Cli, ids: dict[str, int]) -> None:
    args = ("--channel", "phone", "--outcome", "no-answer", "--at", "07:30")
    out = cli(*LOG, str(ids["high"]), "--as", "demo.liqiang", *args, "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert data["breach"]["rule"] == "hours"
    assert data["reason"].startswith("conduct breach: hours: ")
    assert out.err.startswith("warning: conduct breach recorded: hours: ")
    again = cli(*LOG, str(ids["high"]), "--as", "demo.liqiang", *args)
    assert again.code == 0 and again.out.startswith("already recorded: ")
    case = json.loads(cli("case", str(ids["high"]), "--json").out)
    assert len(case["contacts"]) == 1


def test_bad_and_future_times_are_one_line(cli: Cli, ids: dict[str, int]) -> None:
    base = (*LOG, str(ids["high"]), "--as", "demo.liqiang", "--channel", "visit")
    bad = cli(*base, "--outcome", "answered", "--at", "half past ten")
    assert bad.code == 2 and bad.out == "" and len(bad.err.strip().splitlines()) == 1
    assert "--at: 'half past ten' is not a time" in bad.err
    future = cli(*base, "--outcome", "answered", "--at", "2026-11-04T09:00")
    assert future.code == 1 and "is in the future" in future.err
    assert len(future.err.strip().splitlines()) == 1
    outcome = cli(*base, "--outcome", "maybe", "--at", "10:00")
    assert outcome.code == 2 and "--outcome: unknown value 'maybe'" in outcome.err
    channel = cli(*LOG, str(ids["high"]), "--as", "demo.liqiang", "--channel", "sms",
                  "--outcome", "answered", "--at", "10:00")  # fmt: skip
    assert channel.code == 2 and "--channel" in channel.err
    case = json.loads(cli("case", str(ids["high"]), "--json").out)
    assert case["contacts"] == []


def test_a_collector_cannot_log_on_another_collectors_case(cli: Cli, ids: dict[str, int]) -> None:
    args = ("--channel", "phone", "--outcome", "answered", "--at", "10:00")
    out = cli(*LOG, str(ids["other"]), "--as", "demo.liqiang", *args)
    assert out.code == 1 and out.out == ""
    assert "belongs to demo.wangfang" in out.err and len(out.err.strip().splitlines()) == 1
    supervisor = cli(*LOG, str(ids["other"]), "--as", "demo.zhoujie", *args)
    assert supervisor.code == 0, supervisor.err
    expected = f"logged case {ids['other']}: call answered at 2026-11-03 10:00 +08:00"
    assert supervisor.out.startswith(expected)
