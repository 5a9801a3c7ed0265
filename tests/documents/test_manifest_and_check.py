from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from documents.check import check_templates
from documents.data import prepare
from documents.manifest import load_manifest
from documents.registry import TEMPLATES_DIR, get_manifest, known_kinds
from rules.errors import InputError, NotFoundError
from tests.documents.helpers import sample


def test_known_kinds_lists_the_template_folders() -> None:
    assert {"collection_letter", "reminder_sms", "reminder_email"} <= known_kinds()
    assert "_shared" not in known_kinds()


def test_unknown_kind_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="unknown document kind 'nope'"):
        get_manifest("nope")
    with pytest.raises(NotFoundError):
        get_manifest("../collection_letter")


def test_shipped_templates_pass_the_check() -> None:
    assert check_templates() == []


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, root)
    return root


def test_check_names_an_undeclared_field_with_its_file(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    html = root / "collection_letter" / "template.html"
    html.write_text(html.read_text().replace("</body>", "{{ secret_field }}</body>"))
    problems = check_templates(root, render_samples=False)
    assert len(problems) == 1
    assert str(html) in problems[0] and "'secret_field'" in problems[0]
    assert "not declared" in problems[0]


def test_check_names_a_declared_field_no_template_uses(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    manifest = root / "reminder_sms" / "manifest.yaml"
    manifest.write_text(manifest.read_text() + "  unused_thing: str\n")
    problems = check_templates(root, render_samples=False)
    assert any(str(manifest) in p and "'unused_thing'" in p for p in problems), problems


def test_check_reports_a_bad_manifest_with_its_file(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    manifest = root / "reminder_email" / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("version: 1", "version: one"))
    problems = check_templates(root, render_samples=False)
    assert any(str(manifest) in p and "version" in p for p in problems), problems


def test_manifest_rejects_unknown_keys(tmp_path: Path) -> None:
    folder = tmp_path / "x_kind"
    folder.mkdir()
    (folder / "manifest.yaml").write_text(
        "kind: x_kind\ntitle: X\nversion: 1\nformats: [pdf]\nfields: {a: str}\ncolour: red\n"
    )
    with pytest.raises(InputError, match="colour"):
        load_manifest(folder)


def test_prepare_masks_cards_and_refuses_missing_or_extra_fields() -> None:
    manifest = get_manifest("collection_letter")
    context = prepare(manifest, sample())
    assert context["card"] == "6225 **** **** 6789"
    assert prepare(manifest, {**sample(), "card": context["card"]}) == context  # idempotent
    data = sample()
    del data["total"]
    with pytest.raises(InputError, match=r"missing field.*total"):
        prepare(manifest, data)
    with pytest.raises(InputError, match=r"undeclared.*extra"):
        prepare(manifest, {**sample(), "extra": 1})
    with pytest.raises(InputError, match="'principal'"):
        prepare(manifest, {**sample(), "principal": "1,000.00"})


def test_id_numbers_are_masked_unless_the_manifest_says_the_law_needs_them(tmp_path: Path) -> None:
    folder = tmp_path / "filing"
    folder.mkdir()
    (folder / "manifest.yaml").write_text(
        "kind: filing\ntitle: F\nversion: 1\nformats: [pdf]\n"
        "fields: {debtor_id: id_number, contact_id: id_number}\n"
        "unmasked_id_fields: [debtor_id]\n"
    )
    manifest = load_manifest(folder)
    context = prepare(
        manifest, {"debtor_id": "330106199001011234", "contact_id": "330106199001011234"}
    )
    assert context == {"debtor_id": "330106199001011234", "contact_id": "3301**********1234"}
    (folder / "manifest.yaml").write_text(
        "kind: filing\ntitle: F\nversion: 1\nformats: [pdf]\nfields: {a: str}\n"
        "unmasked_id_fields: [a]\n"
    )
    with pytest.raises(InputError, match="not an id_number"):
        load_manifest(folder)


def test_record_fields_must_be_declared_and_need_not_be_printed(tmp_path: Path) -> None:
    folder = tmp_path / "x_kind"
    folder.mkdir()
    (folder / "manifest.yaml").write_text(
        "kind: x_kind\ntitle: X\nversion: 1\nformats: [pdf]\nfields: {a: str}\n"
        "record_fields: [b]\n"
    )
    with pytest.raises(InputError, match="record_fields: 'b' is not a declared field"):
        load_manifest(folder)
    letter = get_manifest("collection_letter")
    assert letter.record_fields == ("calendar_warning",) and not letter.predue
    assert get_manifest("predue_sms").predue and get_manifest("predue_email").predue
