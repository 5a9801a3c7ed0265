"""`duecourse pay` and `duecourse import-payments`: the JSON contract, the case file's payments,
a full payment closing the case, and one-line errors (unknown case, bad amount, future date,
bad file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, store_case


@pytest.fixture
def case(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """One open case owing fees 50.00, interest 800.00, principal 20,000.00 (2026-11-02)."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    return store_case(tmp_path / "home")


def test_pay_json_then_case_file(cli: Cli, case: tuple[int, str]) -> None:
    cid, _ = case
    out = cli("pay", str(cid), "1,000.50", "--date", "2026-11-05", "--reference", "TX9", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert data["allocation"] == {
        "fees": "50.00", "interest": "800.00", "principal": "150.50", "overpaid": "0.00"
    }  # fmt: skip
    assert (data["reference"], data["source"], data["closed"]) == ("TX9", "cli", False)
    file = json.loads(cli("case", str(cid), "--json").out)
    assert file["payments"][0]["id"] == data["id"]
    assert "payment_received" in [e["event"] for e in file["timeline"]]
    text = cli("case", str(cid))
    assert "payments" in text.out and "principal 150.50" in text.out
    again = cli("pay", str(cid), "1", "--date", "2026-11-05", "--reference", "TX9")
    assert again.code == 1 and "already recorded" in again.err


def test_full_payment_closes_the_case(cli: Cli, case: tuple[int, str]) -> None:
    _, account = case
    out = cli("pay", account, "20850")
    assert out.code == 0, out.err
    assert "case closed as paid" in out.out
    file = json.loads(cli("case", account, "--json").out)
    assert (file["status"], file["stage"], file["outcome"]) == ("closed", "paid", "paid")


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("NOPE", "10"), 1, "no case"),
        (("{cid}", "ten"), 2, "AMOUNT"),
        (("{cid}", "--", "-5"), 2, "positive"),
        (("{cid}", "0"), 2, "positive"),
        (("{cid}", "1.234"), 2, "2 decimals"),
        (("{cid}", "10", "--date", "2026-11-11"), 1, "future"),
        (("{cid}", "10", "--date", "11/05/2026"), 2, "--date"),
    ],
)
def test_pay_errors_are_one_line(
    cli: Cli, case: tuple[int, str], args: tuple[str, ...], code: int, words: str
) -> None:
    out = cli("pay", *(a.format(cid=case[0]) for a in args))
    assert out.code == code and out.out == ""
    assert len(out.err.strip().splitlines()) == 1 and words in out.err


def test_import_payments_json(cli: Cli, case: tuple[int, str], tmp_path: Path) -> None:
    _, account = case
    path = tmp_path / "payments.csv"
    path.write_bytes(
        (
            "account_id,amount,paid_on,reference\n"
            f"{account},100,2026-11-05,流水1\n{account},100,2026-11-05,流水1\n"
            "UNKNOWN,5,2026-11-05,X\n"
        ).encode("gb18030")
    )
    out = cli("import-payments", str(path), "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert (data["rows"], data["recorded"], data["duplicates"], data["quarantined"]) == (3, 1, 1, 1)
    assert Path(data["quarantine_file"]).is_file()
    text = cli("import-payments", str(path))
    assert text.code == 0 and "0 recorded, 2 duplicates, 1 quarantined" in text.out


def test_import_payments_bad_file_is_one_line(
    cli: Cli, case: tuple[int, str], tmp_path: Path
) -> None:
    out = cli("import-payments", str(tmp_path / "missing.csv"))
    assert out.code == 2 and len(out.err.strip().splitlines()) == 1 and "no such file" in out.err
