"""`duecourse ptp` and `contact log --outcome promise`: the promise recorded with its flag and
timeline line (Civil Code Art. 195(2)), an earlier open promise superseded, the case file's
`promises`, and one-line refusals (amount, date range, closed case, missing terms)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, store_case
from tests.cli.test_queue_cli import seed


@pytest.fixture
def case(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """One open case owing 20,850.00 (fees 50, interest 800, principal 20,000); today 11-10."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    return store_case(tmp_path / "home")[0]


def test_ptp_records_the_promise_its_flag_and_supersedes(cli: Cli, case: int) -> None:
    first = cli("ptp", str(case), "1,000", "--by", "2026-11-20", "--channel", "call", "--json")
    assert first.code == 0, first.err
    one = json.loads(first.out)
    assert (one["amount"], one["due_on"], one["made_on"]) == ("1000.00", "2026-11-20", "2026-11-10")
    assert (one["status"], one["channel"], one["pause_until"]) == ("open", "call", "2026-11-23")
    second = cli("ptp", str(case), "2000.50", "--by", "2026-11-25", "--note", "tel 13812345678")
    assert second.code == 0, second.err
    assert f"supersedes promise {one['id']}" in second.out and "until 2026-11-28" in second.out
    file = json.loads(cli("case", str(case), "--json").out)
    promises = file["promises"]
    assert [p["status"] for p in promises] == ["open", "superseded"]
    assert promises[0]["note"] is not None and "13812345678" not in promises[0]["note"]
    events = [e["event"] for e in file["timeline"]]
    assert events.count("promise_made") == 2 and "promise_to_pay" in events
    made = next(e for e in file["timeline"] if e["event"] == "promise_made")
    assert "Civil Code Art. 195(2)" in made["detail"]
    text = cli("case", str(case))
    assert "promises" in text.out and "2000.50  2026-11-25  open" in text.out


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("NOPE", "10", "--by", "2026-11-20"), 1, "no case"),
        (("{cid}", "ten", "--by", "2026-11-20"), 2, "AMOUNT"),
        (("{cid}", "0", "--by", "2026-11-20"), 2, "positive"),
        (("{cid}", "1.234", "--by", "2026-11-20"), 2, "2 decimals"),
        (("{cid}", "20850.01", "--by", "2026-11-20"), 1, "more than case"),
        (("{cid}", "10", "--by", "2026-11-09"), 1, "before today"),
        (("{cid}", "10", "--by", "2026-12-11"), 1, "max_days_ahead"),
        (("{cid}", "10", "--by", "20/11/2026"), 2, "--by"),
        (("{cid}", "10", "--by", "2026-11-20", "--channel", "pigeon"), 2, "--channel"),
    ],
)
def test_ptp_errors_are_one_line(
    cli: Cli, case: int, args: tuple[str, ...], code: int, words: str
) -> None:
    out = cli("ptp", *(a.format(cid=case) for a in args))
    assert out.code == code and out.out == ""
    assert len(out.err.strip().splitlines()) == 1 and words in out.err
    file = json.loads(cli("case", str(case), "--json").out)
    assert file["promises"] == []


def test_ptp_on_a_closed_case_is_refused(cli: Cli, case: int) -> None:
    assert cli("pay", str(case), "20850").code == 0
    out = cli("ptp", str(case), "10", "--by", "2026-11-20")
    assert out.code == 1 and "is closed as paid" in out.err


def test_a_call_with_a_promise_records_it(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-03")
    ids = seed(tmp_path / "home")
    base = ("contact", "log", str(ids["high"]), "--channel", "phone", "--as", "demo.liqiang")
    bare = cli(*base, "--outcome", "promise", "--at", "10:00")
    assert bare.code == 2 and bare.out == "" and len(bare.err.strip().splitlines()) == 1
    assert "--outcome promise needs --amount and --by" in bare.err
    other = cli(
        *base, "--outcome", "answered", "--at", "10:00", "--amount", "5", "--by", "2026-11-05"
    )
    assert other.code == 2 and "with --outcome promise only" in other.err
    out = cli(
        *base, "--outcome", "promise", "--at", "10:30", "--amount", "500", "--by", "2026-11-06",
        "--json",
    )  # fmt: skip
    assert out.code == 0, out.err
    data = json.loads(out.out)
    promise = data["promise"]
    assert (promise["contact_id"], promise["channel"]) == (data["id"], "call")
    assert (promise["amount"], promise["due_on"]) == ("500.00", "2026-11-06")
    file = json.loads(cli("case", str(ids["high"]), "--json").out)
    assert [p["id"] for p in file["promises"]] == [promise["id"]]
    assert len(file["contacts"]) == 1  # the refused logs recorded nothing
    events = [e["event"] for e in file["timeline"]]
    assert {"contact_made", "promise_made", "promise_to_pay"} <= set(events)
