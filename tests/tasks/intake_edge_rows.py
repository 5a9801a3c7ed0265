"""Rows that test every rule of a snapshot row, for the staged intake's tests: each changes one
field of a good row (a bad value, or an odd but valid one), so the reason the SQL gives can be
compared with the per-row parser's (rules/snapshot_row.py)."""

from __future__ import annotations

from tests.factories import snapshot_row

# (column, value): one row each, its account id E<n>
EDGES: list[tuple[str, str]] = [
    # amounts
    ("principal", "-5.00"), ("principal", "-0.00"), ("principal", "1,000.00"),
    ("principal", "12.345"), ("principal", "abc"), ("principal", " 12.5 "), ("principal", "1e5"),
    ("principal", ""), ("principal", "00012.30"), ("principal", "１２.００"), ("principal", "100"),
    ("principal", "12345678901234.00"), ("principal", "1234567890123.45"), ("principal", "+5"),
    ("principal", ".5"), ("principal", "5."), ("principal", "1.2.3"), ("principal", "12'3"),
    ("principal", "12\\3"), ("principal", "12\t3"), ("principal", "\t12.00"), ("fees", "0"),
    ("fees", "٣.٠٠"), ("interest", "0.5"), ("credit_limit", ""), ("minimum_due", "-1"),
    ("last_payment_amount", ""), ("last_payment_amount", "-3.00"), ("last_payment_amount", "x"),
    ("last_payment_amount", "7"), ("last_payment_amount", "\u3000 7.10 "),
    # dates
    ("due_date", "2026-13-01"), ("due_date", "2026-02-29"), ("due_date", "1899-12-31"),
    ("due_date", "2101-01-01"), ("due_date", "0000-01-01"), ("due_date", "20261102"),
    ("due_date", "2026-W48-1"), ("due_date", "２０２６-11-02"), ("due_date", ""),
    ("due_date", "2026-04-31"), ("due_date", "2026-11-02x"), ("last_payment_date", ""),
    ("last_payment_date", "2024-02-29"), ("last_payment_date", "2023-02-29"),
    ("last_payment_date", "9999-12-31"), ("last_payment_date", " 2026-08-20 "),
    # days past due (the factory dates the due date from it when it is a number)
    ("days_past_due", "-1"), ("days_past_due", "-0"), ("days_past_due", "x"),
    ("days_past_due", "3.5"), ("days_past_due", "99999999999"), ("days_past_due", "2147483648"),
    ("days_past_due", "-99999999999"), ("days_past_due", "007"), ("days_past_due", ""),
    ("days_past_due", "４５"), ("days_past_due", " 45 "), ("days_past_due", "0"),
    # ID numbers
    ("id_number", "110105197102228133"), ("id_number", "110105710222813"),
    ("id_number", "11010519710222813"), ("id_number", "11010519710222813x"),
    ("id_number", "11010519710222813X"), ("id_number", ""), ("id_number", "１１0105197102228132"),
    ("id_number", " 110105197102228132 "), ("id_number", "-11010519710222813"),
    # phones, email, names
    ("phone", "abc"), ("phone", "+86 138-0000-0000"), ("phone", "12"), ("phone", ""),
    ("phone", "0571-88888888"), ("phone", "１３８"), ("emergency_contact_phone", "x"),
    ("emergency_contact_phone", ""), ("email", "no-at"), ("email", "  "), ("name", ""),
    ("name", "\u3000"), ("name", "   "), ("name", " 王五 "),
    # keys and text limits
    ("account_id", ""), ("account_id", "   "), ("account_id", "A" * 65), ("customer_id", ""),
    ("customer_id", "Ｃ0001"), ("customer_id", "C\u200b0002"), ("customer_id", "С0003"),
    ("address", "路" * 501), ("address", " " + "路" * 500), ("province", "省" * 33),
    ("emergency_contact_name", "名" * 201), ("email", "a@" + "b" * 253),
    # card numbers
    ("card_number", "6225 8801 2345 6789"), ("card_number", "123"), ("card_number", "abc"),
    ("card_number", ""), ("card_number", "0225880123456789"),
    ("card_number", "６２２５880123456789"),
]  # fmt: skip


def edge_rows() -> list[dict[str, str]]:
    """One row per edge, then ids that collide: a duplicate, and ids differing only by
    invisible or look-alike characters (ambiguous)."""
    rows = []
    for i, (column, value) in enumerate(EDGES):
        row = snapshot_row(account_id=f"E{i:03d}", customer_id=f"C{i:03d}")
        row.update(snapshot_row(**{column: value}) if column == "days_past_due" else {})
        row["account_id"], row["customer_id"] = f"E{i:03d}", f"C{i:03d}"
        row[column] = value
        rows.append(row)
    rows += [
        snapshot_row(account_id="K001", customer_id="CK1"),
        snapshot_row(account_id="K001", customer_id="CK2"),  # duplicate
        snapshot_row(account_id="K\u200b001", customer_id="CK3"),  # ambiguous
        snapshot_row(account_id="Ｋ002", customer_id="CK4"),  # normalised: K002
        snapshot_row(account_id="K002", customer_id="CK5"),  # ambiguous with the one above
        snapshot_row(account_id=" K003", customer_id="CK6"),
        snapshot_row(account_id="K003", customer_id="CK7"),  # a duplicate once trimmed
        snapshot_row(account_id="K'4", customer_id="CK8"),
        snapshot_row(account_id="K\u200b'4", customer_id="CK9"),  # ambiguous, quoted "K'4"
    ]
    return rows
