"""Issue 12 items 3-4 at the template level: pre-due texts say nothing overdue (and the check
refuses one that does), the letter says what cures the default, shows each fee head, and speaks
of "本期" only within one billing cycle."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

from docx import Document as DocxDocument

from documents.check import check_templates
from documents.engine import render
from documents.manifest import Format
from documents.registry import TEMPLATES_DIR
from tests.documents.helpers import pdf_text, sample, squash


def _docx_text(content: bytes) -> str:
    doc = DocxDocument(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def _both(data: dict[str, Any], tmp_path: Path) -> list[str]:
    """The letter's text as PDF and as DOCX (whitespace removed)."""
    pdf = squash(pdf_text(render("collection_letter", data, Format.PDF), tmp_path))
    docx = squash(_docx_text(render("collection_letter", data, Format.DOCX)))
    return [pdf, docx]


def test_predue_texts_state_the_coming_due_date_and_nothing_overdue() -> None:
    sms = render("predue_sms", sample("predue_sms"), Format.TEXT).decode()
    email = render("predue_email", sample("predue_email"), Format.TEXT).decode()
    for text in (sms, email):
        assert "将于2026年12月5日到期" in text and "600.00" in text
        assert "逾期" not in text and "欠款" not in text


def test_check_refuses_a_predue_template_that_states_an_overdue_fact(tmp_path: Path) -> None:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root)
    body = root / "predue_sms" / "body.txt.j2"
    body.write_text(body.read_text(encoding="utf-8").replace("到期，", "到期，已逾期，"), "utf-8")
    problems = check_templates(root, render_samples=False)
    assert problems == [
        f"{body}:1: '已逾期' states an overdue fact in a pre-due template (manifest predue: true)"
    ]
    # the same words in a kind that is not pre-due are fine: the reminders say 逾期 truthfully
    manifest = root / "predue_sms" / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("predue: true", ""), "utf-8")
    assert check_templates(root, render_samples=False) == []


def test_the_shipped_overdue_reminders_would_fail_as_predue(tmp_path: Path) -> None:
    """The bug: reminder_sms says 已逾期 and reminder_email 已逾期 0 天 at DPD 0."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root)
    for kind in ("reminder_sms", "reminder_email"):
        manifest = root / kind / "manifest.yaml"
        text = manifest.read_text(encoding="utf-8").replace("demand: true", "demand: false")
        manifest.write_text(text + "predue: true\n", "utf-8")
    problems = check_templates(root, render_samples=False)
    assert any("reminder_sms/body.txt.j2:1: '已逾期'" in p for p in problems), problems
    assert any("reminder_email/body.txt.j2" in p and "'已逾期'" in p for p in problems), problems


def test_letter_states_what_cures_the_default(tmp_path: Path) -> None:
    minimum = sample()
    for text in _both(minimum, tmp_path):
        assert "归还最低还款额人民币600.00元（人民币陆佰元整）后，我行即停止" in text
    full = {**sample(), "cure": "full_balance", "cure_amount": "12345.67"}
    for text in _both(full, tmp_path):
        assert "归还上述欠款合计人民币12,345.67元" in text
        assert "仅归还最低还款额不能停止催收" in text


def test_letter_lists_each_fee_head_or_one_fees_line(tmp_path: Path) -> None:
    heads = sample()  # 违约金 50.00, 年费 0.00
    for text in _both(heads, tmp_path):
        assert "违约金50.00" in text and "年费0.00" in text and "费用" not in text
    one = {**sample(), "fee_lines": [["费用", "50.00"]]}
    for text in _both(one, tmp_path):
        assert "费用50.00" in text and "违约金" not in text


def test_no_current_bill_wording_past_one_cycle(tmp_path: Path) -> None:
    past = sample()  # 66 days past due, current_cycle false
    for text in _both(past, tmp_path):
        assert "本期" not in text
        assert "账单应于2026年9月18日前还款而未足额还款" in text
    current = {**sample(), "days_past_due": 20, "current_cycle": True}
    for text in _both(current, tmp_path):
        assert "本期账单应于2026年9月18日前还款" in text and "本期最低还款额" in text


def test_letter_says_the_deadline_is_a_working_day_allowing_for_delivery(tmp_path: Path) -> None:
    for text in _both(sample(), tmp_path):
        assert "请您于2026年12月7日（含当日）前归还" in text
        assert "该日为工作日，已计入本通知邮寄送达所需的时间" in text
