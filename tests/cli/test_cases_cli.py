from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli
from tests.factories import snapshot_row, write_snapshot


def _load(cli: Cli, tmp_path: Path) -> None:
    rows = [
        snapshot_row(account_id="A1", customer_id="C1", days_past_due="0", due_date="2026-11-09"),
        snapshot_row(account_id="A2", customer_id="C2", days_past_due="95", name="王<b>&测"),
    ]
    out = cli("import", str(write_snapshot(tmp_path / "s.csv", rows)), "--as-of", "2026-11-02")
    assert out.code == 0, out.err


def test_cases_json_lists_ids_and_filters(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    data = json.loads(cli("cases", "--json").out)
    assert data["total"] == 2
    assert {c["account_id"] for c in data["cases"]} == {"A1", "A2"}
    assert all(isinstance(c["id"], int) for c in data["cases"])
    m0 = json.loads(cli("cases", "--bucket", "M0", "--json").out)
    assert [c["account_id"] for c in m0["cases"]] == ["A1"]
    bad = cli("cases", "--stage", "nowhere")
    assert bad.code == 2 and "unknown value 'nowhere'" in bad.err


def test_case_file_is_masked_and_complete(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    out = cli("case", "A2", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    for key in ("id", "account_id", "bucket", "stage", "risk", "owner", "balances"):
        assert key in data
    for key in ("milestones", "contacts", "documents", "plans", "timeline"):
        assert isinstance(data[key], list)
    assert data["bucket"] == "M4" and data["debtor"]["name"] == "王<b>&测"
    assert data["balances"][0]["days_past_due"] == 95
    text = out.out
    assert "110105197102228132" not in text and "1101**********8132" in text
    assert "13812345678" not in text and "138****5678" in text
    assert "6225880123456789" not in text and "6225 **** **** 6789" in text
    assert "文三路100号" not in text
    same = json.loads(cli("case", str(data["id"]), "--json").out)
    assert same["account_id"] == "A2"
    human = cli("case", "A2")
    assert (
        human.code == 0
        and "1101**********8132" in human.out
        and "110105197102228132" not in human.out
    )


def test_unknown_case_is_one_line_exit_1(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    out = cli("case", "99999")
    assert out.code == 1
    assert out.err.strip() == "duecourse: no case with id or account '99999'"
    huge = cli("case", "99999999999999999999")  # beyond any row id: no OverflowError
    assert huge.code == 1
    assert huge.err.strip() == "duecourse: no case with id or account '99999999999999999999'"
    assert cli("case", "²").code == 1  # a digit to str.isdigit, not to int()


def test_names_and_ids_with_brackets_are_shown_as_given(cli: Cli, tmp_path: Path) -> None:
    rows = [
        snapshot_row(account_id="A[/]1", customer_id="C1", name="Li [jr]"),
        snapshot_row(account_id="A2", customer_id="C2", name="王[/]五"),
        snapshot_row(account_id="A3\\", customer_id="C3", name="路\\"),
    ]
    out = cli("import", str(write_snapshot(tmp_path / "s.csv", rows)), "--as-of", "2026-11-02")
    assert out.code == 0, out.err
    listed = cli("cases")
    assert listed.code == 0, listed.err
    assert "Li [jr]" in listed.out and "王[/]五" in listed.out and "A[/]1" in listed.out
    shown = cli("case", "A[/]1")
    assert shown.code == 0, shown.err
    assert "account A[/]1" in shown.out and "debtor Li [jr]" in shown.out
    assert "路\\ " in listed.out and "A3\\ " in listed.out  # a backslash is not doubled
    assert "account A3\\ " in cli("case", "A3\\").out


def test_a_database_url_pointing_nowhere_is_one_line_with_the_password_hidden(cli: Cli) -> None:
    for url in (
        "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/duecourse",
        "nosuchdb://x",
        "not a url",
    ):
        for args in (("cases", "--json"), ("db", "upgrade")):
            out = cli("--database-url", url, *args)
            assert out.code == 1, out.err
            assert out.out == ""
            lines = out.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("duecourse: cannot open the database")
            assert "s3cret" not in out.err


def test_a_home_that_cannot_be_created_is_one_line(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    for args in (("cases", "--json"), ("db", "upgrade")):
        out = cli(*args, home_dir=blocker / "home")
        assert out.code == 1 and out.out == ""
        assert out.err.count("\n") == 1 and "cannot create the folder" in out.err, out.err
