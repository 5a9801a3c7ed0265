"""`documents check` on a demand's templates: no threats, no criminal liability, no court or
police impersonation (documents/check.py THREAT_WORDS); and the lawyer's letter's draft kind
renders the final's own templates."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx

from documents.check import check_templates
from documents.registry import TEMPLATES_DIR, get_manifest


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root, symlinks=True)
    return root


def test_the_shipped_lawyer_letter_passes() -> None:
    assert [p for p in check_templates() if "lawyer_letter" in p] == []


def test_a_criminal_threat_in_a_copy_of_the_lawyer_letter_is_caught_at_its_line(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path)
    html = root / "lawyer_letter" / "template.html"
    lines = html.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "可能的法律后果" in line)
    lines.insert(at + 1, "<p>逾期不还将追究您的刑事责任。</p>")
    html.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = check_templates(root, render_samples=False)
    assert f"{html}:{at + 2}: '刑事' threatens" in "\n".join(problems)
    # the draft shares the file (a link): it is caught there too
    assert any(p.startswith(str(root / "lawyer_letter_draft" / "template.html")) for p in problems)


def test_court_impersonation_in_the_docx_is_caught(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "lawyer_letter" / "template.docx"
    path.unlink()  # a file of its own, not the shipped one
    document = docx.Document(str(TEMPLATES_DIR / "lawyer_letter" / "template.docx"))
    document.add_paragraph("法院通知：请于三日内到庭。")
    document.save(str(path))
    problems = check_templates(root, render_samples=False)
    assert any(p.startswith(f"{path}: '法院通知' threatens") for p in problems)


def test_the_collection_letter_is_held_to_the_same_words(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    html = root / "collection_letter" / "template.html"
    html.write_text(html.read_text(encoding="utf-8") + "<p>将您列入黑名单</p>\n", "utf-8")
    assert any("'黑名单' threatens" in p for p in check_templates(root, render_samples=False))


def test_the_draft_kind_renders_the_final_letters_templates() -> None:
    final, draft = get_manifest("lawyer_letter"), get_manifest("lawyer_letter_draft")
    assert draft.fields == final.fields and not draft.numbered and final.number_prefix == "LL"
    for name in ("template.html", "template.docx"):
        assert (draft.folder / name).resolve() == (final.folder / name).resolve()
