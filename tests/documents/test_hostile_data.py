"""Hostile data stays text: never markup, never template syntax, never a fetched resource."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document as DocxDocument

from documents.engine import render, render_message
from documents.manifest import Format
from tests.documents.helpers import pdf_text, sample, squash

HOSTILE = [
    '王<b>&"测',
    "{{ 7*7 }}{% if true %}张{% endif %}",
    '<link rel="attachment" href="file:///etc/passwd">',
    "李&amp;四 <script>alert(1)</script> ' \" ]]>",
]


def _docx_texts(content: bytes) -> list[str]:
    doc = DocxDocument(io.BytesIO(content))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


@pytest.mark.parametrize("name", HOSTILE)
def test_docx_reads_back_hostile_name_and_address_exactly(name: str) -> None:
    data = {**sample(), "debtor_name": name, "address": name + "路1号"}
    texts = _docx_texts(render("collection_letter", data, Format.DOCX))
    assert f"{name} 收" in texts
    assert f"尊敬的 {name}：" in texts
    assert f"{name}路1号" in texts
    assert not any("49" in t and "{{" not in t and "7*7" in name for t in texts[:8])


def test_docx_xml_holds_no_injected_markup() -> None:
    data = {**sample(), "debtor_name": '王<w:t>x</w:t><b>&"测'}
    content = render("collection_letter", data, Format.DOCX)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = z.read("word/document.xml").decode()
    assert "<b>" not in xml and "<w:t>x</w:t><b>" not in xml
    assert "&lt;b&gt;&amp;" in xml


@pytest.mark.parametrize("name", HOSTILE)
def test_pdf_prints_hostile_name_literally_and_fetches_nothing(name: str, tmp_path: Path) -> None:
    data = {**sample(), "debtor_name": name}
    content = render("collection_letter", data, Format.PDF)
    assert squash(name) in squash(pdf_text(content, tmp_path))
    assert b"/EmbeddedFile" not in content and b"/URI" not in content
    assert b"root:x:0:0" not in content


def test_text_kinds_print_template_syntax_literally() -> None:
    name = "{{ bank.hotline }}{% for x in [1] %}X{% endfor %}"
    data = {**sample("reminder_sms"), "debtor_name": name}
    body = render_message("reminder_sms", data)["body"]
    assert name in body


def test_rendering_hostile_data_fetches_only_the_stylesheet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from documents.fetcher import ConfinedFetcher

    fetched: list[str] = []
    real = ConfinedFetcher.fetch

    def spy(self: ConfinedFetcher, url: str, headers: object = None) -> object:
        fetched.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(ConfinedFetcher, "fetch", spy)
    data = {**sample(), "debtor_name": HOSTILE[2], "address": '<img src="http://x.invalid/a">'}
    render("collection_letter", data, Format.PDF)
    assert [u.rsplit("/", 2)[-2:] for u in fetched] == [["_shared", "letter.css"]]
