"""Masking personal data: the display maskers and `scrub_text`, which every log record,
artifact, review comment and timeline detail passes through."""

from __future__ import annotations

import pytest

from rules.masking import (
    has_secret,
    hide_secrets,
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
        ("office 021-6234-5678", "6234", "021-****5678"),
        ("office (0755) 6123 4567", "6123", "0755-****4567"),
        ("手机１３８１２３４５６７８", "1234", "138****5678"),  # full-width digits
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


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("postgresql+psycopg://u:s3cret@db/x", "postgresql+psycopg://u:***@db/x"),
        ("postgresql://u@db/x?password=s3cret", "postgresql://u@db/x?password=***"),
        ("postgresql://db/x?sslmode=require&PassWord=s3cret", "postgresql://db/x?sslmode=require&PassWord=***"),
        ("mysql://db/x?pass=s3cret&pwd=s3cret", "mysql://db/x?pass=***&pwd=***"),
        ("postgresql://db/x?passwd=s3cret;sslpassword=s3cret", "postgresql://db/x?passwd=***;sslpassword=***"),
        ("host=db password=s3cret user=u", "host=db password=*** user=u"),
        ("host=db password='s3 cret' user=u", "host=db password=*** user=u"),
    ],
)  # fmt: skip
def test_database_url_passwords_are_hidden_in_every_form(text: str, hidden: str) -> None:
    assert hide_secrets(text) == hidden and has_secret(text)
    assert "s3" not in scrub_text(f"cannot open {text}: refused")


def test_text_without_a_password_is_left_alone() -> None:
    for text in ("sqlite:////tmp/home/duecourse.sqlite", "https://bank.example.com/a?x=1",
                 "mypassword=fine", "postgresql://u@db/x?sslmode=require"):  # fmt: skip
        assert hide_secrets(text) == text and not has_secret(text)
