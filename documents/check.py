"""`documents check`: every template against its manifest, and every sample through the engine.

A template that uses a field its manifest does not declare, or a declared field a template does
not use, is reported with the file and the name. PDF and DOCX templates of a kind must each use
every field (they are two forms of the same document); a text kind's parts together must, except
the manifest's `record_fields` (stored, not printed).

A kind whose manifest says `predue: true` is sent before the due date: a template of it that states
an overdue fact (逾期, 欠款, 拖欠, 催收, 违约, or the field `days_past_due`) is reported with the
file, line and word, since the customer is not overdue and the message would be untrue.

A kind whose manifest says `demand: true` (collection and lawyer's letters) may not threaten,
speak of criminal liability or pass itself off as a court's or the police's (`THREAT_WORDS`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from documents.data import prepare
from documents.docx import undeclared_variables
from documents.engine import render_prepared
from documents.environment import html_env, text_env
from documents.manifest import FieldType, Format, Manifest, load_manifest
from documents.registry import TEMPLATES_DIR, kind_folders
from rules.errors import DuecourseError


def _jinja_names(env: jinja2.Environment, path: Path) -> set[str]:
    """The variables a template reads, its includes' too (`_shared/amounts.html`: the claim
    table every letter and filing shares), so a field only an include uses counts as used."""
    tree = env.parse(path.read_text(encoding="utf-8"))
    names: set[str] = meta.find_undeclared_variables(tree)
    for included in meta.find_referenced_templates(tree):
        if included is not None and (TEMPLATES_DIR / included).is_file():
            names |= _jinja_names(env, TEMPLATES_DIR / included)
    return names


# Words that state (or presuppose) that the customer is overdue; a pre-due text may use none.
OVERDUE_WORDS = ("已逾期", "逾期天数", "逾期", "欠款", "拖欠", "催收", "违约", "days_past_due")


def _overdue_problem(where: str, word: str) -> str:
    return f"{where}: {word!r} states an overdue fact in a pre-due template (manifest predue: true)"


def overdue_words(path: Path) -> list[str]:
    """`file:line: ...` for each line of a pre-due template that states an overdue fact."""
    if path.suffix == ".docx":
        text = "\n".join(_docx_text(path))
        found = next((w for w in OVERDUE_WORDS if w in text), None)
        return [_overdue_problem(str(path), found)] if found else []
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        found = next((w for w in OVERDUE_WORDS if w in line), None)
        if found is not None:
            problems.append(_overdue_problem(f"{path}:{number}", found))
    return problems


def _template_files(manifest: Manifest) -> list[Path]:
    files: list[Path] = []
    for fmt in manifest.formats:
        if fmt is Format.TEXT:
            files += [manifest.part_path(part) for part in manifest.parts]
        else:
            files.append(manifest.template_path(fmt))
    return [path for path in files if path.is_file()]


def _predue_problems(manifest: Manifest) -> list[str]:
    if not manifest.predue:
        return []
    return [problem for path in _template_files(manifest) for problem in overdue_words(path)]


# Words and field types that speak of a debt: a text for someone other than the debtor
# (`reveals_debt: false`, e.g. an emergency contact) may use none (2011 rules Art. 68; CBA
# guideline 2026-01-30: never tell a third party of the debt).
DEBT_WORDS = (*OVERDUE_WORDS, "还款", "账单", "信用卡", "卡号", "金额", "欠", "债")
_DEBT_FIELDS = (FieldType.DECIMAL, FieldType.CARD)


def _disclosure_problems(manifest: Manifest) -> list[str]:
    if manifest.reveals_debt:
        return []
    problems = [
        f"{manifest.folder / 'manifest.yaml'}: field {name!r} ({kind.value}) speaks of the debt "
        "in a text that must not (manifest reveals_debt: false)"
        for name, kind in manifest.fields.items()
        if kind in _DEBT_FIELDS
    ]
    for path in _template_files(manifest):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = next((w for w in DEBT_WORDS if w in line), None)
            if found is not None:
                problems.append(
                    f"{path}:{number}: {found!r} speaks of the debt in a text that must not "
                    "(manifest reveals_debt: false)"
                )
    return problems


def _docx_text(path: Path) -> list[str]:
    import docx

    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return [p.text for p in document.paragraphs] + cells


def _compare(used: set[str], manifest: Manifest, where: Path) -> list[str]:
    declared = set(manifest.fields)
    recorded = set(manifest.record_fields)
    manifest_file = manifest.folder / "manifest.yaml"
    problems = [
        f"{where}: field {name!r} is used but not declared in {manifest_file}"
        for name in sorted(used - declared)
    ]
    problems += [
        f"{manifest_file}: field {name!r} is declared but {where.name} does not use it"
        for name in sorted(declared - used - recorded)
    ]
    return problems


def _template_problems(manifest: Manifest) -> list[str]:
    problems: list[str] = []
    for fmt in manifest.formats:
        if fmt is Format.TEXT:
            used: set[str] = set()
            for part in manifest.parts:
                path = manifest.part_path(part)
                if not path.is_file():
                    problems.append(f"{path}: missing (part {part!r} of {manifest.kind})")
                    continue
                used |= _safe(lambda p=path: _jinja_names(text_env(), p), path, problems)
            problems += _compare(used, manifest, manifest.folder / f"*{'.txt.j2'}")
            continue
        path = manifest.template_path(fmt)
        if not path.is_file():
            problems.append(f"{path}: missing ({fmt.value} template of {manifest.kind})")
            continue
        if fmt is Format.PDF:
            names = _safe(lambda p=path: _jinja_names(html_env(), p), path, problems)
        else:
            names = _safe(lambda: undeclared_variables(manifest), path, problems)
        problems += _compare(names, manifest, path)
    return problems


def _safe(fn: Any, path: Path, problems: list[str]) -> set[str]:
    try:
        result: set[str] = fn()
        return result
    except jinja2.TemplateSyntaxError as exc:
        problems.append(f"{path}:{exc.lineno}: template syntax error: {exc.message}")
    except Exception as exc:
        problems.append(f"{path}: cannot read template: {exc}")
    return set()


# Words a demand for payment may never use (`demand: true`: collection and lawyer's letters):
# threats, criminal liability, and anything passing the letter off as a court's or the police's.
# A lawyer's letter states only lawful consequences (a suit, a payment order, credit reporting):
# collection may not use violence, threats or abuse (商业银行信用卡业务监督管理办法 2011 Art. 68),
# and a lawyer's letter must not impersonate a court (domain.md section 9): a court speaks only
# by the documents it serves itself, never by a bank's or a firm's letter.
THREAT_WORDS = (
    "刑事", "犯罪", "拘留", "坐牢", "判刑", "逮捕", "公安", "立案侦查", "恶意透支", "法院通知",
    "传票", "通缉", "黑名单", "曝光", "限制出境", "株连",
)  # fmt: skip


def threat_words(path: Path) -> list[str]:
    """`file:line: ...` for each line of a demand's template that threatens or impersonates."""
    lines = (
        [(0, "\n".join(_docx_text(path)))]
        if path.suffix == ".docx"
        else list(enumerate(path.read_text(encoding="utf-8").splitlines(), 1))
    )
    problems = []
    for number, line in lines:
        found = next((w for w in THREAT_WORDS if w in line), None)
        if found is not None:
            where = f"{path}:{number}" if number else str(path)
            problems.append(
                f"{where}: {found!r} threatens, speaks of criminal liability or impersonates a "
                "court or the police, in a demand (manifest demand: true)"
            )
    return problems


def _threat_problems(manifest: Manifest) -> list[str]:
    if not manifest.demand:
        return []
    return [problem for path in _template_files(manifest) for problem in threat_words(path)]


_BANK_NAMES = ("bank.short_name", "bank.name")


def _identity_problems(manifest: Manifest) -> list[str]:
    """A text that must identify the bank (`identifies_bank`, the default: CBA guideline
    2026-01-30, the institution states who it is) prints its name in every form."""
    if not manifest.identifies_bank:
        return []
    files = _template_files(manifest)
    if manifest.formats == (Format.TEXT,):  # the parts together are one message
        text = "".join(p.read_text(encoding="utf-8") for p in files)
        named = any(name in text for name in _BANK_NAMES)
        return [] if named or not files else [_unnamed(manifest.folder / "*.txt.j2")]
    return [
        _unnamed(path)
        for path in files
        if path.suffix != ".docx"
        and not any(n in path.read_text(encoding="utf-8") for n in _BANK_NAMES)
    ]


def _unnamed(where: Path) -> str:
    return (
        f"{where}: does not name the bank ({' or '.join(_BANK_NAMES)}; manifest "
        "identifies_bank: true)"
    )


def _sample_problems(manifest: Manifest) -> list[str]:
    path = manifest.sample_path
    if not path.is_file():
        return [f"{path}: missing (sample data for previews and checks)"]
    try:
        context = prepare(manifest, json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, DuecourseError) as exc:
        return [f"{path}: {exc}"]
    problems = []
    for fmt in manifest.formats:
        try:
            render_prepared(manifest, context, fmt)
        except jinja2.UndefinedError as exc:
            problems.append(f"{path}: rendering {fmt.value}: {exc.message}")
        except Exception as exc:
            problems.append(f"{path}: rendering {fmt.value} fails: {exc}")
    return problems


def check_templates(root: Path = TEMPLATES_DIR, *, render_samples: bool = True) -> list[str]:
    """Every problem found, one line each with the file; empty when all is well."""
    problems: list[str] = []
    for folder in kind_folders(root):
        try:
            manifest = load_manifest(folder)
        except DuecourseError as exc:
            problems.append(str(exc))
            continue
        found = (
            _template_problems(manifest)
            + _predue_problems(manifest)
            + _disclosure_problems(manifest)
            + _identity_problems(manifest)
            + _threat_problems(manifest)
        )
        problems += found
        if render_samples and not found:
            problems += _sample_problems(manifest)
    return problems
