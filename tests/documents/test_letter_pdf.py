from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from documents.engine import render
from documents.manifest import Format
from tests.documents.helpers import pdf_fonts, pdf_text, sample, squash


def test_letter_pdf_has_cjk_fonts_title_amounts_and_bank_contacts(tmp_path: Path) -> None:
    data = sample()
    pdf = render("collection_letter", data, Format.PDF)
    fonts = pdf_fonts(pdf, tmp_path)
    assert fonts, "no embedded fonts"
    assert all("CJK" in name for name in fonts), fonts
    text = squash(pdf_text(pdf, tmp_path))
    assert "逾期还款通知书" in text and "催收函" in text
    assert data["number"] in text
    assert "12,345.67" in text
    assert "人民币壹万贰仟叁佰肆拾伍元陆角柒分" in text
    assert squash(data["bank"]["hotline"]) in text
    assert squash(data["bank"]["repayment"]["account_number"]) in text
    assert "6225****" in text and "6225880123456789" not in text  # card masked
    assert "演示样本" in text  # demo bank details are marked
    assert "第1页共2页" in text and "第2页共2页" in text


def test_letter_is_polite_and_lawful(tmp_path: Path) -> None:
    text = squash(pdf_text(render("collection_letter", sample(), Format.PDF), tmp_path))
    for word in ("刑事", "拘留", "坐牢", "公安", "法院判决", "恶意透支"):
        assert word not in text


def test_same_data_and_template_give_identical_bytes_across_processes(tmp_path: Path) -> None:
    here = render("collection_letter", sample(), Format.PDF)
    code = (
        "import sys; from documents.engine import render; from documents.manifest import Format;"
        "from tests.documents.helpers import sample;"
        "sys.stdout.buffer.write(render('collection_letter', sample(), Format.PDF))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, cwd=Path.cwd()
    ).stdout
    assert other == here
    assert b"/CreationDate" not in here and b"/ModDate" not in here


def test_other_data_gives_other_bytes() -> None:
    data = sample()
    data["total"] = "12345.68"
    assert render("collection_letter", data, Format.PDF) != render(
        "collection_letter", sample(), Format.PDF
    )
