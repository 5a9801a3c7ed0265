from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from rules.snapshot_row import (
    AccountKeys,
    IntakeSettings,
    RowError,
    RowParser,
    SnapshotRow,
    id_check_digit,
    parse_amount,
    parse_row,
)
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
        (
            {"id_number": "１１０１０５１９７１０２２２８１３２"},
            "id_number: holds full-width digits",
        ),
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


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"due_date": "9999-12-31"}, "due_date: 9999-12-31 is outside 1900-01-01..2100-12-31"),
        ({"due_date": "1899-12-31"}, "due_date: 1899-12-31 is outside"),
        ({"last_payment_date": "2101-01-01"}, "last_payment_date: 2101-01-01 is outside"),
        ({"due_date": "2026-W38-5"}, "due_date: '2026-W38-5' is not a valid date (YYYY-MM-DD)"),
        ({"due_date": "20260918"}, "due_date: '20260918' is not a valid date"),
        ({"due_date": "２０２６-09-18"}, "due_date: holds full-width digits"),
        ({"principal": "２００００.00"}, "principal: holds full-width digits; write it with ASCII"),
        ({"fees": "٥٠.٠٠"}, "fees: holds Arabic-Indic digits"),
        ({"credit_limit": "۵۰۰۰۰"}, "credit_limit: holds Arabic-Indic digits"),
        ({"days_past_due": "４５"}, "days_past_due: holds full-width digits"),
        ({"phone": "１３８１２３４５６７８"}, "phone: holds full-width digits"),
        ({"emergency_contact_phone": "١٣٩٠٠٠٠١١١١"}, "emergency_contact_phone: holds Arabic-Indic"),
        ({"id_number": "١١٠١٠٥١٩٧١٠٢٢٢٨١٣٢"}, "id_number: holds Arabic-Indic digits"),
        (
            {"card_number": "６２２５８８０１２３４５６７８９"},
            "card_number: holds full-width digits",
        ),
        ({"account_id": "A００1"}, "account_id: holds full-width digits"),
        ({"customer_id": "C٠١"}, "customer_id: holds Arabic-Indic digits"),
        ({"account_id": "А001"}, "account_id: holds characters other than printable ASCII"),
    ],
)
def test_dates_digits_and_ids_that_only_look_right_are_refused(
    overrides: dict[str, str], reason: str
) -> None:
    """Regression (issue 13 item 2): 9999-12-31 and week dates were read as dates, full-width
    and Arabic-Indic digits passed as phones, and a Cyrillic А made a second account."""
    with pytest.raises(RowError) as err:
        parse_row(snapshot_row(**overrides))
    assert str(err.value).startswith(reason)


def test_the_edges_of_the_date_window_are_dates() -> None:
    row = parse_row(snapshot_row(due_date="1900-01-01", last_payment_date="2100-12-31"))
    assert (row.due_date, row.last_payment_date) == (date(1900, 1, 1), date(2100, 12, 31))


def test_ids_are_keys_without_invisible_characters_in_nfkc_form() -> None:
    row = parse_row(snapshot_row(account_id="\u200bＡ001\u2060", customer_id="C\u00ad1\ufeff"))
    assert (row.account_id, row.customer_id) == ("A001", "C1")


AS_OF = date(2026, 11, 2)
COLUMNS = list(snapshot_row())


def _parse(as_of: date = AS_OF, tolerance: int = 3, **overrides: str) -> SnapshotRow:
    parser = RowParser(COLUMNS, as_of, tolerance)
    values = snapshot_row(**overrides)
    return parser.parse([values[c] for c in COLUMNS])


@pytest.mark.parametrize("dpd", [42, 45, 48])
def test_days_past_due_within_the_tolerance_of_the_dates_pass(dpd: int) -> None:
    assert _parse(days_past_due=str(dpd), due_date="2026-09-18").days_past_due == dpd


@pytest.mark.parametrize(
    ("dpd", "due", "tolerance"),
    [
        ("41", "2026-09-18", 3),
        ("49", "2026-09-18", 3),
        ("46", "2026-09-18", 0),
        ("5", "2026-11-30", 3),
    ],
)
def test_days_past_due_the_dates_do_not_allow_are_refused(
    dpd: str, due: str, tolerance: int
) -> None:
    """Regression (issue 13 item 2): DPD 400 with a due date last week was taken as given."""
    with pytest.raises(RowError, match=r"^days_past_due: \d+ does not match due_date"):
        _parse(tolerance=tolerance, days_past_due=dpd, due_date=due)


def test_a_current_account_is_not_checked_against_its_due_date() -> None:
    assert _parse(days_past_due="0", due_date="2026-09-18").days_past_due == 0
    assert _parse(days_past_due="0", due_date="2026-12-05").days_past_due == 0


def test_a_row_read_on_its_own_has_no_as_of_to_check_against() -> None:
    assert parse_row(snapshot_row(days_past_due="400", due_date="2026-10-30")).days_past_due == 400


def test_account_keys_name_duplicates_and_ambiguous_ids() -> None:
    keys = AccountKeys()
    assert keys.duplicate("A1", 2, "A1") is None
    assert keys.duplicate("A1", 2, "A1") is None  # the same line asked again
    assert keys.duplicate("A1", 5, "A1") == "account_id: duplicate of line 2"
    ambiguous = keys.duplicate("A1", 7, "A\u200b1")
    assert ambiguous is not None and ambiguous.startswith("account_id: 'A1' is ambiguous")
    assert "line 2" in ambiguous


def test_the_intake_settings_are_validated() -> None:
    assert IntakeSettings().dpd_tolerance_days == 3
    assert IntakeSettings(dpd_tolerance_days=0).dpd_tolerance_days == 0
    for bad in (-1, 32):
        with pytest.raises(ValidationError):
            IntakeSettings(dpd_tolerance_days=bad)
    with pytest.raises(ValidationError):
        IntakeSettings.model_validate({"dpd_tolerence_days": 3})
