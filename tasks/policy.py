"""Loading the policy from YAML: a folder (ladder.yaml, risk.yaml, buckets.yaml, roster.yaml) or
a single file, validated, with every problem pointing at its file and line (tasks/yaml_file.py).

A single file may hold any of the parts: `stages` (and `label`) for the ladder, `risk` (or
top-level `rules` + `tiers`), `buckets`, `users` for the roster; parts it does not hold are read
from the files next to it, else from the shipped policy/ folder.

Which policy folder (`tasks/policy_dir.py`, the CLI and the flows alike): $DUECOURSE_POLICY_DIR,
else `<home>/policy` when the bank keeps one in the Duecourse home, else the shipped policy/.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, ValidationError

from documents.registry import known_kinds
from rules.buckets import DEFAULT_SCHEME, BucketScheme, BucketsFile
from rules.policy import Policy, RiskPolicy, StageDef
from rules.policy_validate import validate_policy, validate_roster
from rules.roster import Roster, User
from rules.snapshot_row import IntakeSettings
from tasks.bank import BANK_FILE, load_bank
from tasks.conduct import DEFAULT_PACK, load_conduct_pack
from tasks.courts import court_table_problems
from tasks.law_firms.panel import panel_problems
from tasks.payments.policy import load_payment_policy
from tasks.policy_dir import SHIPPED_POLICY_DIR, resolve_policy_dir
from tasks.policy_versions import calendar_content
from tasks.yaml_file import (
    LocatedError,
    LocatedProblem,
    YamlFile,
    YamlFileError,
    YamlRefusedError,
    YPath,
    load_model,
    read_yaml,
)

INTAKE_FILE = "intake.yaml"

__all__ = [
    "SHIPPED_POLICY_DIR",
    "LocatedProblem",
    "PolicyCheck",
    "PolicyError",
    "check_policy",
    "load_policy",
    "resolve_policy_dir",
]

PART_FILES = {
    "ladder": "ladder.yaml",
    "risk": "risk.yaml",
    "buckets": "buckets.yaml",
    "roster": "roster.yaml",
}
# Which top-level keys belong to which part.
PART_KEYS = {
    "label": "ladder",
    "stages": "ladder",
    "rules": "risk",
    "tiers": "risk",
    "risk": "risk",
    "buckets": "buckets",
    "users": "roster",
}


class PolicyError(LocatedError):
    """The policy is broken; `problems` holds every located problem (exit 1)."""

    hint = "; run `duecourse policy check` for the full list"


def _read(file: Path) -> YamlFile:
    try:
        return read_yaml(file)
    except YamlRefusedError:
        raise  # a hostile file stops everything: one line, exit 2
    except YamlFileError as exc:
        raise PolicyError(exc.problems) from None


@dataclass
class _Part:
    doc: YamlFile
    prefix: YPath
    data: Any

    def locate(self, path: YPath, message: str) -> LocatedProblem:
        return self.doc.problem((*self.prefix, *path), message)

    def pydantic(self, exc: ValidationError, base: YPath = ()) -> list[LocatedProblem]:
        return self.doc.validation_problems(exc, (*self.prefix, *base))


@dataclass
class PolicyCheck:
    """The outcome of loading: the policy (None when it could not be built), the roster, every
    problem found, and the files read per part."""

    policy: Policy | None
    users: list[User]
    problems: list[LocatedProblem]
    files: dict[str, str]
    templates_checked: bool

    @property
    def ok(self) -> bool:
        return self.policy is not None and not self.problems


def known_templates() -> set[str] | None:
    """The document kinds that exist (documents.registry), or None when none are known."""
    return known_kinds() or None


def _parts(source: Path) -> tuple[dict[str, _Part], list[LocatedProblem]]:
    """Find each part: in the single file when it holds it, else in the folder's files."""
    if source.is_dir():
        folder, single = source, None
    elif source.is_file():
        folder, single = source.parent, _read(source)
    else:
        raise PolicyError([LocatedProblem(str(source), 1, "no such file or folder")])
    parts, problems = _single_parts(single) if single is not None else ({}, [])
    for part, name in PART_FILES.items():
        if part in parts:
            continue
        doc = _part_file(folder, name)
        if doc is not None:
            parts[part] = _Part(doc, (), doc.data)
            if single is None and isinstance(doc.data, dict):
                problems += _unknown_keys(doc, part)
    for found in parts.values():
        problems += found.doc.duplicate_problems(found.prefix)
    return parts, _unique(problems)


def _part_file(folder: Path, name: str) -> YamlFile | None:
    """`name` in the folder, else in the shipped policy/ folder, else None."""
    for candidate in (folder / name, SHIPPED_POLICY_DIR / name):
        if candidate.is_file():
            return _read(candidate)
    return None


def _single_parts(single: YamlFile) -> tuple[dict[str, _Part], list[LocatedProblem]]:
    """The parts a single policy file holds, and its keys that belong to no part."""
    problems: list[LocatedProblem] = []
    data = single.data if single.data is not None else {}
    if not isinstance(data, dict):
        return {}, [single.problem((), "expected a mapping of keys")]
    problems += [single.problem((k,), f"unknown key {k!r}") for k in data if k not in PART_KEYS]
    parts: dict[str, _Part] = {}
    if "stages" in data:
        parts["ladder"] = _Part(single, (), data)
    if isinstance(data.get("risk"), dict):
        parts["risk"] = _Part(single, ("risk",), data["risk"])
    elif "tiers" in data or "rules" in data:
        parts["risk"] = _Part(single, (), data)
    for part in ("buckets", "users"):
        if part in data:
            parts[PART_KEYS[part]] = _Part(single, (), data)
    return parts, problems


def _unknown_keys(doc: YamlFile, part: str) -> list[LocatedProblem]:
    assert isinstance(doc.data, dict)
    return [
        doc.problem((k,), f"unknown key {k!r} in {PART_FILES[part]}")
        for k in doc.data
        if PART_KEYS.get(k) != part or k == "risk"
    ]


def _unique(problems: list[LocatedProblem]) -> list[LocatedProblem]:
    return list(dict.fromkeys(problems))


def _as_mapping(part: _Part, what: str) -> dict[str, Any] | LocatedProblem:
    if isinstance(part.data, dict):
        return part.data
    return part.locate((), f"{what}: expected a mapping of keys")


def _build_ladder(part: _Part) -> tuple[str, list[StageDef] | None, list[LocatedProblem]]:
    data = _as_mapping(part, "ladder")
    if isinstance(data, LocatedProblem):
        return "", None, [data]
    label = data.get("label", "")
    stages = data.get("stages")
    if not isinstance(stages, list) or not stages:
        return "", None, [part.locate(("stages",), "stages: expected a list of stages")]
    try:
        return str(label), TypeAdapter(list[StageDef]).validate_python(stages), []
    except ValidationError as exc:
        return "", None, part.pydantic(exc, ("stages",))


def _build_model(part: _Part, model: type[BaseModel], what: str) -> tuple[Any, list[Any]]:
    data = _as_mapping(part, what)
    if isinstance(data, LocatedProblem):
        return None, [data]
    if part.prefix == () and what == "risk":
        data = {k: v for k, v in data.items() if k in ("rules", "tiers")}
    if part.prefix == () and what == "roster":
        data = {"users": data.get("users")}
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, part.pydantic(exc)


def _build_buckets(part: _Part | None) -> tuple[BucketScheme | None, list[LocatedProblem]]:
    if part is None:
        return DEFAULT_SCHEME, []
    data = part.data.get("buckets") if isinstance(part.data, dict) else part.data
    try:
        buckets = BucketsFile.model_validate({"buckets": data})
    except ValidationError as exc:
        return None, part.pydantic(exc)
    problems = [part.locate(path, message) for path, message in buckets.problems()]
    return (None if problems else buckets.scheme()), problems


def _calendar(source: Path) -> tuple[dict[str, Any], list[LocatedProblem]]:
    """The calendar part of the version: the policy folder's calendar.yaml (the folder of a
    single policy file); a malformed one is problems at its file and lines."""
    try:
        return calendar_content(source if source.is_dir() else source.parent), []
    except YamlRefusedError:
        raise
    except YamlFileError as exc:
        return {}, exc.problems


def _build_roster(part: _Part | None) -> tuple[list[User] | None, list[LocatedProblem]]:
    """The roster's users; None when there is no roster or it is broken."""
    if part is None:
        return None, []
    roster, errs = _build_model(part, Roster, "roster")
    return (list(roster.users) if roster is not None else None), errs


def _bank(source: Path) -> list[LocatedProblem]:
    """The problems of the policy folder's bank.yaml (the letters' bank details), if it has one
    (a single policy file named bank.yaml is the policy, not the bank's details)."""
    folder = source if source.is_dir() else source.parent
    if not (folder / BANK_FILE).is_file() or folder / BANK_FILE == source:
        return []
    try:
        load_bank(folder)
    except YamlRefusedError:
        raise
    except YamlFileError as exc:
        return exc.problems
    return []


def _conduct(source: Path) -> list[LocatedProblem]:
    """The problems of the conduct pack bank.yaml chooses (policy/conduct/<name>.yaml); a single
    policy file named bank.yaml is the policy, so the default pack is checked then."""
    folder = source if source.is_dir() else source.parent
    try:
        load_conduct_pack(folder, DEFAULT_PACK if folder / BANK_FILE == source else None)
    except YamlRefusedError:
        raise
    except YamlFileError as exc:
        return exc.problems
    return []


def _payments(source: Path) -> list[LocatedProblem]:
    """The problems of the payments.yaml in use (tasks/payments/policy.py)."""
    try:
        load_payment_policy(source)
    except YamlRefusedError:
        raise
    except YamlFileError as exc:
        return exc.problems
    return []


def load_intake(source: Path | None = None) -> IntakeSettings:
    """The bank's intake settings: `intake.yaml` in the policy folder (of a single policy file),
    else the shipped one, else the defaults; a bad file is YamlFileError (file:line, exit 2)."""
    source = (source or resolve_policy_dir()).resolve()
    folder = source if source.is_dir() else source.parent
    for candidate in (folder / INTAKE_FILE, SHIPPED_POLICY_DIR / INTAKE_FILE):
        if candidate.is_file():
            return load_model(candidate, IntakeSettings)
    return IntakeSettings()


def _intake(source: Path) -> list[LocatedProblem]:
    """The problems of the policy folder's intake.yaml, if it has one."""
    try:
        load_intake(source)
    except YamlRefusedError:
        raise
    except YamlFileError as exc:
        return exc.problems
    return []


def check_policy(
    source: Path | None = None, *, templates: Collection[str] | Literal["lookup"] | None = "lookup"
) -> PolicyCheck:
    """Load and validate everything (ladder, risk, buckets, roster, and the folder's
    calendar.yaml, bank.yaml and the conduct pack it chooses), collecting every problem instead
    of stopping at the first. `templates`: "lookup" asks documents.registry for the known
    kinds; a collection is used as given; None skips the template check."""
    source = (source or resolve_policy_dir()).resolve()
    parts, problems = _parts(source)
    kinds = known_templates() if isinstance(templates, str) else templates
    label, stages, errs = (
        _build_ladder(parts["ladder"])
        if "ladder" in parts
        else (
            "",
            None,
            [LocatedProblem(str(source), 1, "no ladder found (ladder.yaml or `stages`)")],
        )
    )
    problems += errs
    risk, errs = (
        _build_model(parts["risk"], RiskPolicy, "risk")
        if "risk" in parts
        else (None, [LocatedProblem(str(source), 1, "no risk rules found (risk.yaml)")])
    )
    problems += errs
    scheme, errs = _build_buckets(parts.get("buckets"))
    problems += errs
    users, errs = _build_roster(parts.get("roster"))
    problems += errs
    calendar, errs = _calendar(source)
    problems += errs + _bank(source) + _intake(source) + _conduct(source) + _payments(source)
    problems += panel_problems(source)  # law_firms.yaml (tasks/law_firms/panel.py)
    problems += court_table_problems(source)  # courts.yaml, small_claims.yaml (tasks/courts.py)
    policy = None
    if stages is not None and risk is not None and scheme is not None:
        policy = Policy.build(stages, risk, scheme, label, calendar)
        found = validate_policy(policy, kinds, users)
    else:
        found = validate_roster(users) if users is not None else []
    problems += [parts[p.part].locate(p.path, p.message) for p in found if p.part in parts]
    files = {name: part.doc.shown for name, part in parts.items()}
    return PolicyCheck(policy, users or [], _unique(problems), files, kinds is not None)


def load_policy(source: Path | None = None) -> Policy:
    """The validated policy from a folder or file (default: $DUECOURSE_POLICY_DIR or the shipped
    one); a broken policy raises PolicyError naming the first problem's file and line."""
    result = check_policy(source)
    if result.problems or result.policy is None:
        raise PolicyError(result.problems)
    return result.policy


def load_roster(source: Path | None = None) -> list[User]:
    """The roster (users) from the policy folder or file; a broken roster raises PolicyError."""
    source = (source or resolve_policy_dir()).resolve()
    parts, problems = _parts(source)
    part = parts.get("roster")
    if part is None:
        return []
    roster, errs = _build_model(part, Roster, "roster")
    problems = [p for p in problems if p.file == part.doc.shown] + errs
    if roster is not None:
        problems += [part.locate(p.path, p.message) for p in validate_roster(roster.users)]
    if problems or roster is None:
        raise PolicyError(problems)
    return list(roster.users)
