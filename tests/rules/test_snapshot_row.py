from __future__ import annotations

from datetime import date

import pytest

from rules.snapshot_row import RowError, id_check_digit, parse_amount, parse_row
from tests.factories import snapshot_row


def test_a_good_row_parses_to_fen_and_dates() -> None:
    row = parse_row(snapshot_row(principal="12345.67", interest="0.5", fees="3"))
    assert (row.principal, row.interest, row.fees) == (1234567, 50, 300)
    assert row.balance == 1234567 + 50 + 300
    assert row.due_date == date(2026, 9, 18)
    assert row.days_past_due == 45
    assert row.card_number == "6225880123456789"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"principal": "-120.00"}, "principal: negative amount"),
        ({"interest": "1,234.00"}, "interest: '1,234.00' is not an amount"),
        ({"fees": "1.234"}, "fees: '1.234' is not an amount"),
        ({"minimum_due": ""}, "minimum_due: missing"),
        ({"due_date": "2026-02-30"}, "due_date: '2026-02-30' is not a valid date"),
        ({"last_payment_date": "20/08/2026"}, "last_payment_date: '20/08/2026' is not a valid"),
        ({"days_past_due": "3.5"}, "days_past_due: '3.5' is not a whole number"),
        ({"days_past_due": "-2"}, "days_past_due: -2 is negative"),
        ({"days_past_due": ""}, "days_past_due: missing"),
        ({"account_id": " "}, "account_id: missing"),
        ({"name": ""}, "name: missing"),
        ({"id_number": "110105197102228133"}, "id_number: check digit does not match"),
        ({"id_number": "12345"}, "id_number: not 18 characters"),
        ({"phone": "call me"}, "phone: not a phone number"),
        ({"card_number": "6225-8801"}, "card_number: not 12 to 19 digits"),
        ({"email": "nobody"}, "email: not an email address"),
        ({"days_past_due": "--5"}, "days_past_due: '--5' is not a whole number"),
        ({"days_past_due": "3000000000"}, "days_past_due: more than 2147483647"),
        ({"id_number": "１１０１０５１９７１０２２２８１３２"}, "id_number: not 18 characters"),
        ({"name": "张" * 201}, "name: longer than 200 characters"),
        ({"name": "张\x00三"}, "name: contains a NUL character"),
        ({"account_id": "A" * 65}, "account_id: longer than 64 characters"),
        ({"customer_id": "C" * 65}, "customer_id: longer than 64 characters"),
        ({"email": "a@" + "b" * 253}, "email: longer than 254 characters"),
        ({"address": "路" * 501}, "address: longer than 500 characters"),
        ({"province": "省" * 33}, "province: longer than 32 characters"),
        ({"emergency_contact_name": "李" * 201}, "emergency_contact_name: longer than 200"),
        ({"address": "文三路\x00"}, "address: contains a NUL character"),
    ],
)
def test_bad_rows_give_one_readable_reason(overrides: dict[str, str], reason: str) -> None:
    with pytest.raises(RowError) as err:
        parse_row(snapshot_row(**overrides))
    assert str(err.value).startswith(reason)


def test_names_are_kept_exactly_as_given() -> None:
    hostile = ' 王<b>&"测{{ x }}{% if %}<link href="file:///etc/passwd"> '
    assert parse_row(snapshot_row(name=hostile)).name == hostile


def test_id_check_digit_follows_gb11643() -> None:
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


def test_amounts_with_spaces_are_trimmed_and_optional_ones_may_be_empty() -> None:
    assert parse_amount(" 10.5 ", "x") == 1050
    assert parse_amount("", "x", required=False) is None
    row = parse_row(snapshot_row(last_payment_amount="", last_payment_date="", card_number=""))
    assert row.last_payment_amount is None and row.last_payment_date is None
    assert row.card_number is None


def test_the_longest_text_each_column_holds_still_parses() -> None:
    row = parse_row(snapshot_row(name="张" * 200, address="路" * 500, account_id="A" * 64))
    assert (len(row.name), len(row.address or ""), len(row.account_id)) == (200, 500, 64)
