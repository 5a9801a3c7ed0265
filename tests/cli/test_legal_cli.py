"""`duecourse legal period` and `duecourse legal fee`: JSON, human output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import duecourse.cli  # noqa: F401  (registers the commands)
from duecourse.cli.app import app
from rules.errors import InputError

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    monkeypatch.delenv("DUECOURSE_DATABASE_URL", raising=False)
    return tmp_path / "home"


def invoke(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def run_main(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Through `duecourse.cli.main`, which turns people's errors into one line and a status."""
    code = "from duecourse.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_period_json(home: Path):
    code, out, _ = invoke(home, "legal", "period", "payment-order-served", "2026-09-18", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc == {
        "event": "payment-order-served",
        "event_date": "2026-09-18",
        "start": "2026-09-19",
        "deadline": "2026-10-08",
        "deadline_latest": "2026-10-08",
        "length": "15 days",
        "rule": doc["rule"],
        "moved_from": "2026-10-03",
        "calendar_warning": None,
    }
    assert "Art. 227" in doc["rule"]


def test_period_human_output_and_warning_on_stderr(home: Path):
    code, out, err = invoke(home, "legal", "period", "demand-delivered", "2024-02-29")
    assert code == 0
    assert "2027-03-01" in out and "moved from 2027-02-28" in out
    assert "CALENDAR WARNING" in err and "2027" in err
    assert "CALENDAR WARNING" not in out


def test_period_json_keeps_stdout_pure_and_carries_the_warning(home: Path):
    code, out, _ = invoke(home, "legal", "period", "demand-delivered", "2024-02-29", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["deadline"] == "2027-03-01"
    assert doc["calendar_warning"].startswith("CALENDAR WARNING")


def test_period_uses_the_bank_calendar_in_the_home_policy_folder(home: Path):
    policy = home / "policy"
    policy.mkdir(parents=True)
    # Test data only: a made-up 2027 week off.
    (policy / "calendar.yaml").write_text(
        "years:\n  2027:\n    holidays: [2027-10-01..2027-10-07]\n    workdays: []\n",
        encoding="utf-8",
    )
    code, out, err = invoke(home, "legal", "period", "payment-order-served", "2027-09-17", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["deadline"] == "2027-10-08" and doc["calendar_warning"] is None
    assert "CALENDAR WARNING" not in err


def test_period_in_an_undeclared_year_gives_the_earliest_and_the_latest(home: Path):
    # Regression (issue 12): 2 years from 2025-02-06 ended on 2027-02-08, 正月初三.
    code, out, err = invoke(home, "legal", "period", "performance-due", "2025-02-06", "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["deadline"], doc["deadline_latest"]) == ("2027-02-09", "2027-02-15")
    assert doc["moved_from"] == "2027-02-06"
    assert doc["calendar_warning"].startswith("CALENDAR WARNING")
    assert "CALENDAR WARNING" in err and "2027" in err
    code, out, err = invoke(home, "legal", "period", "performance-due", "2025-02-06")
    assert code == 0
    assert "deadline  2027-02-09 to 2027-02-15" in out and "earliest to latest" in out
    assert "CALENDAR WARNING" in err and "CALENDAR WARNING" not in out


def test_period_help_lists_the_events_and_their_lengths(home: Path):
    code, out, _ = invoke(home, "legal", "period", "--help")
    assert code == 0
    lines = out.splitlines()
    for event, length in [
        ("payment-order-filed", "5 days"),
        ("payment-order-accepted", "15 days"),
        ("payment-order-served", "15 days"),
        ("termination-ruling", "7 days"),
        ("judgment-served", "15 days"),
        ("performance-due", "2 years"),
        ("demand-delivered", "3 years"),
    ]:
        assert any(line.split()[:3] == [event, *length.split()] for line in lines if line.strip())


def test_fee_json(home: Path):
    code, out, _ = invoke(home, "legal", "fee", "50000", "--kind", "payment-order", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["amount"] == "50000.00" and doc["kind"] == "payment-order"
    assert doc["fee"] == "350.00" and doc["halved"] is False
    assert [line["fee"] for line in doc["breakdown"]] == ["50.00", "1000.00", "-700.00"]


def test_fee_halved_by_either_flag(home: Path):
    for flag in ("--halved", "--simple-procedure"):
        code, out, _ = invoke(home, "legal", "fee", "50,000", flag, "--json")
        assert code == 0
        doc = json.loads(out)
        assert doc["fee"] == "525.00" and doc["halved"] is True


@pytest.mark.parametrize(("text", "amount"), [("1,000", "1000.00"), ("12,345.67", "12345.67")])
def test_fee_accepts_thousands_separators(home: Path, text: str, amount: str):
    code, out, _ = invoke(home, "legal", "fee", text, "--json")
    assert code == 0
    assert json.loads(out)["amount"] == amount


def test_enforcement_fee(home: Path):
    code, out, _ = invoke(home, "legal", "fee", "600,000", "--kind", "enforcement", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "enforcement" and doc["fee"] == "8400.00"
    assert [line["fee"] for line in doc["breakdown"]] == ["50.00", "7350.00", "1000.00"]
    assert "Art. 14(1)" in doc["rule"]


def test_enforcement_without_an_amount_gives_the_range_as_the_law_does(home: Path):
    code, out, _ = invoke(home, "legal", "fee", "--kind", "enforcement", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["amount"] is None and doc["fee"] is None
    assert doc["fee_range"] == {"min": "50.00", "max": "500.00"}
    assert any("court" in note for note in doc["notes"])
    code, out, _ = invoke(home, "legal", "fee", "--kind", "enforcement")
    assert code == 0 and "50.00-500.00 yuan" in out and "the court fixes it" in out


def test_lawsuit_after_payment_order_shows_fee_paid_and_balance(home: Path):
    args = ("legal", "fee", "50000", "--kind", "lawsuit-after-payment-order")
    code, out, _ = invoke(home, *args, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["fee"] == "700.00"
    assert doc["top_up"] == {
        "lawsuit_fee": "1050.00",
        "payment_order_fee_paid": "350.00",
        "balance": "700.00",
    }
    code, out, _ = invoke(home, *args, "--paid", "300")
    assert code == 0
    assert "750.00 yuan to top up" in out
    assert "lawsuit fee 1,050.00, payment-order fee paid 300.00, balance to pay 750.00" in out
    assert "Art. 195 (R)" in out


def test_fee_human_output(home: Path):
    code, out, _ = invoke(home, "legal", "fee", "2000000", "--kind", "preservation")
    assert code == 0
    assert "5,000.00" in out and "cap 5,000" in out and "Art. 14" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("legal", "period", "appeal", "2026-01-05"), "known events: payment-order-filed"),
        (("legal", "period", "judgment-served", "2026-02-30"), "is not a date"),
        (("legal", "period", "demand-delivered", "9999-06-01"), "past year 9999"),
        (("legal", "fee", "fifty"), "is not an amount"),
        (("legal", "fee", "--", "-5"), "-5 is not a positive amount of yuan"),
        (("legal", "fee", "-1"), "AMOUNT: -1 is not a positive amount of yuan"),  # not an option
        (("legal", "fee", "--kind", "payment-order", "-1.5"), "not a positive amount"),
        (("legal", "fee", "0"), "AMOUNT: 0 is not a positive amount of yuan"),
        (("legal", "fee", "10,00"), "commas may only separate thousands"),  # was 1,000.00
        (("legal", "fee", "1,0000"), "commas may only separate thousands"),
        (("legal", "fee", ",100"), "commas may only separate thousands"),
        (("legal", "fee", "1,,000"), "commas may only separate thousands"),
        (("legal", "fee", "--kind", "lawsuit"), "AMOUNT: missing"),
        (("legal", "fee", "100", "--paid", "350"), "lawsuit-after-payment-order"),
        (
            ("legal", "fee", "100", "--kind", "lawsuit-after-payment-order", "--paid", "-3"),
            "--paid: -3 is not a positive amount",
        ),
        (("legal", "fee", "100", "--kind", "appeal"), "known kinds: lawsuit"),
        (("legal", "fee", "100", "--kind", "preservation", "--halved"), "lawsuit fee only"),
        (("legal", "fee", "1" + "0" * 400), "too large"),
        (("legal", "fee", "1e400"), "is not an amount"),
    ],
)
def test_people_errors_are_input_errors_with_one_line(
    home: Path, args: tuple[str, ...], fragment: str
):
    result = runner.invoke(app, ["--home", str(home), *args])
    assert isinstance(result.exception, InputError), result.output
    message = str(result.exception)
    assert fragment in message and "\n" not in message
    assert result.exception.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("legal", "period", "appeal", "2026-01-05"), "known events: payment-order-filed"),
        (("legal", "fee", "100", "--kind", "appeal"), "known kinds: lawsuit"),
        (("legal", "fee", "-1"), "AMOUNT: -1 is not a positive amount of yuan"),
        (("legal", "fee", "0"), "AMOUNT: 0 is not a positive amount of yuan"),
        (("legal", "fee", "10,00"), "commas may only separate thousands"),
    ],
)
def test_main_exits_2_with_one_line(home: Path, args: tuple[str, ...], fragment: str):
    proc = run_main(home, *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("duecourse: ") and fragment in lines[0]


def test_a_broken_bank_calendar_is_named_with_its_line(home: Path):
    policy = home / "policy"
    policy.mkdir(parents=True)
    path = policy / "calendar.yaml"
    path.write_text("years:\n  2027:\n    holidays: [2027-13-01]\n    workdays: []\n", "utf-8")
    result = runner.invoke(
        app, ["--home", str(home), "legal", "period", "judgment-served", "2026-01-05"]
    )
    assert isinstance(result.exception, InputError)
    assert str(result.exception).startswith(f"{path}:3: ")
    assert result.stdout == ""
