"""Masking personal data: the display maskers and `scrub_text`, which every log record,
artifact, review comment and timeline detail passes through."""

from __future__ import annotations

import pytest

from rules.masking import (
    mask_address,
    mask_card,
    mask_email,
    mask_id_number,
    mask_phone,
    scrub_text,
)


@pytest.mark.parametrize(
    ("text", "hidden", "shown"),
    [
        ("id 11010519491231002X here", "19491231", "1101**********002X"),
        ("id 110105491231002 (old)", "491231", "1101********002"),
        ("card 6225880123456789 declined", "88012345", "6225 **** **** 6789"),
        ("card 6225 8801 2345 6789 declined", "8801 2345", "6225 **** **** 6789"),
        ("card 6225-8801-2345-6789-123 declined", "8801-2345", "6225 **** **** 123"),
        ("call 13812345678 now", "1234", "138****5678"),
        ("call +86 138-1234-5678 now", "1234", "138****5678"),
        ("call 138 1234 5678 now", "1234 ", "138****5678"),
        ("office 021-62345678", "6234", "021-****5678"),
        ("mail zhang.san@example.com ok", "zhang.san", "z***@example.com"),
        ("住 江苏省南京市玄武区中山路18号3栋201室", "201", "中山路**号*栋***室"),
    ],
)
def test_scrub_text_masks_every_kind(text: str, hidden: str, shown: str) -> None:
    out = scrub_text(text)
    assert hidden not in out
    assert shown in out


@pytest.mark.parametrize(
    "text",
    ["run 42 on 2026-11-28: 1,234 cases, 17 actions", "case 1234567 moved", "M7+ DPD 181"],
)
def test_scrub_text_leaves_ordinary_numbers(text: str) -> None:
    assert scrub_text(text) == text


def test_display_maskers() -> None:
    assert mask_id_number("330106199001011234") == "3301**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_card("6225 8801 2345 6789") == "6225 **** **** 6789"
    assert mask_email("zhang@example.com") == "z***@example.com"
    assert mask_address("江苏省南京市玄武区中山路18号") == "江苏省南京市****"
