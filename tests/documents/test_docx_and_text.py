from __future__ import annotations

import io
import zipfile
from datetime import date

from docx import Document as DocxDocument

from documents.engine import render, render_message
from documents.manifest import Format
from tests.documents.helpers import sample


def _text(content: bytes) -> str:
    doc = DocxDocument(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    parts += [p.text for p in doc.sections[0].header.paragraphs]
    return "\n".join(parts)


def test_docx_letter_carries_the_same_facts() -> None:
    data = sample()
    text = _text(render("collection_letter", data, Format.DOCX))
    assert "逾期还款通知书（催收函）" in text
    assert f"编号：{data['number']}" in text
    assert "人民币壹万贰仟叁佰肆拾伍元陆角柒分" in text and "12,345.67" in text
    assert "6225 **** **** 6789" in text and "6225880123456789" not in text
    for channel in data["bank"]["repayment"]["channels"]:
        assert f"· {channel}" in text
    assert "2026年12月7日（含当日）前" in text  # the deadline, a working day
    assert "演示样本" in text


def test_docx_without_demo_flag_has_no_demo_banner() -> None:
    data = sample()
    data["bank"] = {**data["bank"], "demo": False}
    assert "演示样本" not in _text(render("collection_letter", data, Format.DOCX))


def test_docx_bytes_are_reproducible_and_dated_by_the_letter() -> None:
    one = render("collection_letter", sample(), Format.DOCX, stamp=date(2026, 11, 23))
    two = render("collection_letter", sample(), Format.DOCX, stamp=date(2026, 11, 23))
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2026-11-23T00:00:00Z" in core


def test_sms_reminder_is_short_polite_and_masked() -> None:
    body = render_message("reminder_sms", sample("reminder_sms"))["body"]
    assert "尾号6789" in body and "6225880123456789" not in body
    assert "12,345.67" in body and "400-000-0000" in body
    assert body.startswith("[演示]【示例银行】")
    assert len(body) <= 140
    for word in ("刑事", "起诉", "法院", "拘留", "上门"):
        assert word not in body


def test_email_reminder_has_subject_and_body() -> None:
    parts = render_message("reminder_email", sample("reminder_email"))
    assert set(parts) == {"subject", "body"}
    assert "\n" not in parts["subject"] and "6789" in parts["subject"]
    body = parts["body"]
    assert "人民币壹万贰仟叁佰肆拾伍元陆角柒分" in body
    assert "  1. 本行手机银行或网上银行“信用卡还款”\n  2. " in body
    assert "6225 **** **** 6789" in body
    for word in ("刑事", "起诉", "法院", "拘留"):
        assert word not in body


def test_text_file_form_keeps_parts_apart() -> None:
    content = render("reminder_email", sample("reminder_email"), Format.TEXT).decode()
    assert content.startswith("[subject]\n") and "\n\n[body]\n" in content
