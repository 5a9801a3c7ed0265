"""Characters a snapshot's figures and keys may hold (rules/snapshot_row.py uses these).

Digits: amounts, dates, days past due, phones, ID and card numbers are read in ASCII digits only.
A full-width (０-９) or Arabic-Indic (٠-٩, ۰-۹) digit is refused with the reason saying so, never
silently read as a number: a row typed in another input mode is a row to look at.

Keys: account and customer ids are normalised before they are keys. Zero-width characters
(U+200B-U+200D, U+2060, U+FEFF, the soft hyphen U+00AD) are removed and the id is put in Unicode
NFKC form (full-width Ａ becomes A). What remains must be printable ASCII: a letter that merely
looks like a Latin one (Cyrillic А, Greek Α) cannot be told apart by a person, so such an id is
refused rather than guessed.
"""

from __future__ import annotations

import unicodedata

# characters that show as nothing, removed from ids before they are keys
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))


def foreign_digits(value: str) -> str | None:
    """What kind of non-ASCII digits `value` holds ("full-width digits", ...), or None."""
    if value.isascii():
        return None
    for ch in value:
        if ch.isdigit() and not ch.isascii():
            if "\uff10" <= ch <= "\uff19":
                return "full-width digits"
            if "\u0660" <= ch <= "\u0669" or "\u06f0" <= ch <= "\u06f9":
                return "Arabic-Indic digits"
            return "digits that are not ASCII 0-9"
    return None


def digits_problem(value: str, column: str) -> str | None:
    """The reason a figure is refused for its digits, or None when they are ASCII."""
    kind = foreign_digits(value)
    if kind is None:
        return None
    return f"{column}: holds {kind}; write it with ASCII digits 0-9"


def normalise_key(value: str) -> str:
    """An id as a key: trimmed, zero-width characters removed, NFKC."""
    value = value.strip()
    if value.isascii():
        return value
    return unicodedata.normalize("NFKC", value.translate(ZERO_WIDTH)).strip()


def key_problem(value: str, column: str) -> str | None:
    """Why a normalised id cannot be a key (digits or letters that are not ASCII), or None."""
    if value.isascii() and value.isprintable():
        return None
    digits = digits_problem(value, column)
    if digits is not None:
        return digits
    return (
        f"{column}: holds characters other than printable ASCII once invisible and "
        "look-alike characters are normalised (ambiguous)"
    )
