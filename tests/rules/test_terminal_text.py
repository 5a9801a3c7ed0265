"""Control characters out of people's data before a terminal sees it; JSON escapes them."""

from __future__ import annotations

import json

import pytest

from rules.terminal_text import (
    has_controls,
    json_escape_controls,
    terminal_block,
    terminal_text,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("王\x1b[2J五", "王[2J五"),  # clear screen
        ("\x1b]8;;http://evil.example/\x07点我\x1b]8;;\x07", "]8;;http://evil.example/点我]8;;"),
        ("响\x07铃", "响铃"),  # BEL
        ("a\x9b31mb\x85c", "a31mb c"),  # C1: CSI, NEL (a line break)
        ("覆盖\r伪造\n第二行\t", "覆盖 伪造 第二行 "),
        ("abc\u202edcba\u2066x\u2069", "abcdcbax"),  # bidirectional overrides
        ("张三 Zhang-San (A1)", "张三 Zhang-San (A1)"),
    ],
)
def test_one_field_loses_every_control(raw: str, shown: str) -> None:
    assert terminal_text(raw) == shown
    assert not has_controls(terminal_text(raw))


def test_a_block_keeps_its_own_lines() -> None:
    assert terminal_block("a\x1b[2J\n\tb\x7f") == "a[2J\n\tb"
    assert not has_controls("line one\n\tline two")


def test_json_keeps_the_value_escaped() -> None:
    value = {"name": "王\x1b[2J五\u009b\x7f\u2028"}
    document = json_escape_controls(json.dumps(value, ensure_ascii=False))
    assert not any(ch in document for ch in "\x1b\x9b\x7f\u2028")
    assert json.loads(document) == value
