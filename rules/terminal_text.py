"""People's data as a terminal may show it: no control characters.

A name, address, comment or file name comes from a snapshot, a person or a file system, and may
hold escape sequences: `ESC [ 2 J` clears the screen, `ESC ] 8 ;; url ST` prints a hyperlink that
hides where it goes, BEL rings, a carriage return overwrites what the line said, and the C1
controls (U+0080-U+009F, e.g. CSI U+009B) do the same on terminals that read 8-bit codes.
Unicode's bidirectional overrides (U+202A-U+202E, U+2066-U+2069) reorder what is shown.

`terminal_text` is for one value (a field): every control character is removed and line breaks
and tabs become a space, so a value cannot forge a line of its own. `terminal_block` is for a
whole text the program composed: its own newlines and tabs stay, everything else is removed.
The stored value and the JSON output keep the value as given (JSON escapes it).
"""

from __future__ import annotations

import re

# C0 but tab and newline, DEL, C1, and the bidirectional formatting characters
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
# what JSON (ensure_ascii=False) leaves raw but a terminal may act on: DEL and C1
_JSON_RAW = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def terminal_text(value: object) -> str:
    """One field as a terminal shows it: line breaks and tabs as one space, controls removed."""
    return _UNSAFE.sub("", _BREAKS.sub(" ", str(value)))


def terminal_block(text: str) -> str:
    """Text the program composed (several lines): newlines and tabs kept, controls removed."""
    return _UNSAFE.sub("", text)


def has_controls(text: str) -> bool:
    """Whether `terminal_block` would change `text`."""
    return _UNSAFE.search(text) is not None


def json_escape_controls(document: str) -> str:
    """A JSON document with DEL, the C1 controls and U+2028/9 written as `\\uXXXX` (JSON's
    own encoder escapes C0 but leaves these raw with ensure_ascii=False). They can only occur
    inside strings, so the document means the same."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)
