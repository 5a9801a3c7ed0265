"""What a template's manifest tells the conduct gate and the limitation clock, and the checks
that hold a template to it: a text for an emergency contact never speaks of the debt, every text
names the bank, a demand is never a pre-due text (issue 17 item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from documents.check import check_templates
from documents.engine import render_message
from documents.manifest import load_manifest
from documents.registry import TEMPLATES_DIR, get_manifest
from rules.enums import Party
from rules.errors import InputError


def _copy(tmp_path: Path, *kinds: str) -> Path:
    root = tmp_path / "templates"
    root.mkdir()
    for kind in kinds:
        shutil.copytree(TEMPLATES_DIR / kind, root / kind)
    shutil.copytree(TEMPLATES_DIR / "_shared", root / "_shared")
    return root


def test_the_shipped_manifests_say_which_texts_are_demands_and_for_whom() -> None:
    assert get_manifest("reminder_sms").demand and get_manifest("collection_letter").demand
    assert not get_manifest("predue_sms").demand  # the bill is not due yet: no demand
    request = get_manifest("contact_request_sms")
    assert request.audience is Party.EMERGENCY
    assert (request.reveals_debt, request.asks_contact_details, request.demand) == (
        False,
        True,
        False,
    )


def test_the_emergency_contact_text_names_the_bank_and_nothing_of_the_debt() -> None:
    sample = {"debtor_name": "张三", "bank": {"demo": False, "short_name": "示例银行",
              "hotline": "400-000-0000", "service_hours": "每日 08:00-21:00"}}  # fmt: skip
    body = render_message("contact_request_sms", sample)["body"]
    assert "【示例银行】" in body and "张三" in body and "400-000-0000" in body
    assert not any(word in body for word in ("欠", "逾期", "还款", "元", "信用卡"))


def test_a_debt_word_in_a_text_that_must_not_reveal_the_debt_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path, "contact_request_sms")
    body = root / "contact_request_sms" / "body.txt.j2"
    body.write_text(body.read_text(encoding="utf-8").replace("取得联系", "商量欠款"), "utf-8")
    problems = check_templates(root, render_samples=False)
    assert problems == [
        f"{body}:1: '欠款' speaks of the debt in a text that must not "
        "(manifest reveals_debt: false)"
    ]


def test_an_amount_field_in_such_a_text_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path, "contact_request_sms")
    manifest = root / "contact_request_sms" / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "  total: decimal\n", "utf-8")
    problems = check_templates(root, render_samples=False)
    assert any("field 'total' (decimal) speaks of the debt" in p for p in problems), problems


def test_a_text_that_does_not_name_the_bank_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path, "reminder_sms")
    body = root / "reminder_sms" / "body.txt.j2"
    text = body.read_text(encoding="utf-8").replace("【{{ bank.short_name }}】", "")
    body.write_text(text, "utf-8")
    problems = check_templates(root, render_samples=False)
    assert problems == [
        f"{root / 'reminder_sms' / '*.txt.j2'}: does not name the bank (bank.short_name or "
        "bank.name; manifest identifies_bank: true)"
    ]


def test_an_emergency_text_must_not_reveal_the_debt_or_be_a_demand(tmp_path: Path) -> None:
    folder = tmp_path / "x_kind"
    folder.mkdir()
    (folder / "manifest.yaml").write_text(
        "kind: x_kind\ntitle: X\nversion: 1\nformats: [text]\nparts: [body]\n"
        "audience: emergency\nasks_contact_details: true\nfields: {a: str}\n"
    )
    with pytest.raises(InputError, match="reveals_debt: false, demand: false"):
        load_manifest(folder)
