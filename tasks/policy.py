"""Loading the policy from YAML: a folder (ladder.yaml, risk.yaml, buckets.yaml, roster.yaml) or
a single file, validated, with every problem pointing at its file and line.

A single file may hold any of the parts: `stages` (and `label`) for the ladder, `risk` (or
top-level `rules` + `tiers`), `buckets`, `users` for the roster; parts it does not hold are read
from the files next to it, else from the shipped policy/ folder.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from rules.buckets import DEFAULT_SCHEME, BucketScheme, scheme_from_data
from rules.errors import DuecourseError, InputError
from rules.policy import Policy, RiskPolicy, StageDef
from rules.policy_validate import validate_policy, validate_roster
from rules.roster import Roster, User
from tasks.policy_versions import calendar_content

SHIPPED_POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
ENV_POLICY = "DUECOURSE_POLICY_DIR"
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
YPath = tuple[str | int, ...]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml keeps marks too, 10x faster


@dataclass(frozen=True)
class LocatedProblem:
    """A policy problem at a file and line: printed as `file:line: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(DuecourseError):
    """The policy is broken; `problems` holds every located problem."""

    def __init__(self, problems: list[LocatedProblem]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        first = problems[0] if problems else "policy is invalid"
        super().__init__(f"{first}{more}; run `duecourse policy check` for the full list")


@dataclass
class YamlDoc:
    """Parsed YAML plus the line of every key and list item (1-based)."""

    file: Path
    data: Any
    marks: dict[YPath, int] = field(default_factory=dict)
    duplicates: list[tuple[YPath, int]] = field(default_factory=list)

    @property
    def shown(self) -> str:
        try:
            return str(self.file.relative_to(Path.cwd()))
        except ValueError:
            return str(self.file)

    def line(self, path: YPath) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.marks:
                return self.marks[path[:n]]
        return 1


def _walk(node: yaml.Node, path: YPath, doc: YamlDoc) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            here = (*path, key)
            if key in seen:
                doc.duplicates.append((here, key_node.start_mark.line + 1))
            seen.add(key)
            doc.marks[here] = key_node.start_mark.line + 1
            _walk(value_node, here, doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            doc.marks[(*path, i)] = item.start_mark.line + 1
            _walk(item, (*path, i), doc)


def read_yaml(file: Path) -> YamlDoc:
    """Parse `file` keeping line marks; unreadable or malformed YAML raises PolicyError."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([LocatedProblem(str(file), 1, f"cannot read: {exc}")]) from None
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        msg = f"not valid YAML: {exc.problem or exc.context}"
        raise PolicyError([LocatedProblem(str(file), line, msg)]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([LocatedProblem(str(file), 1, f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    doc = YamlDoc(file=file, data=data)
    if node is not None:
        _walk(node, (), doc)
    return doc


@dataclass
class _Part:
    doc: YamlDoc
    prefix: YPath
    data: Any

    def locate(self, path: YPath, message: str) -> LocatedProblem:
        return LocatedProblem(self.doc.shown, self.doc.line((*self.prefix, *path)), message)


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


def default_source() -> Path:
    """$DUECOURSE_POLICY_DIR, else the shipped policy/ folder."""
    env = os.environ.get(ENV_POLICY)
    return Path(env).expanduser().resolve() if env else SHIPPED_POLICY_DIR


def known_templates() -> set[str] | None:
    """The document kinds that exist (documents.registry), or None when none are known yet."""
    try:
        from documents.registry import known_kinds
    except ImportError:  # the documents package is not there yet: list the manifests
        root = Path(__file__).resolve().parent.parent / "documents" / "templates"
        kinds = {p.parent.name for p in root.glob("*/manifest.yaml")}
    else:
        kinds = set(known_kinds())
    return kinds or None


def _parts(source: Path) -> tuple[dict[str, _Part], list[LocatedProblem]]:
    """Find each part: in the single file when it holds it, else in the folder's files."""
    problems: list[LocatedProblem] = []
    parts: dict[str, _Part] = {}
    if source.is_dir():
        folder, single = source, None
    elif source.is_file():
        folder, single = source.parent, read_yaml(source)
    else:
        raise PolicyError([LocatedProblem(str(source), 1, "no such file or folder")])
    if single is not None:
        data = single.data if single.data is not None else {}
        if not isinstance(data, dict):
            problems.append(LocatedProblem(single.shown, 1, "expected a mapping of keys"))
            data = {}
        for key in data:
            if key not in PART_KEYS:
                line = single.line((key,))
                problems.append(LocatedProblem(single.shown, line, f"unknown key {key!r}"))
        if "stages" in data:
            parts["ladder"] = _Part(single, (), data)
        if isinstance(data.get("risk"), dict):
            parts["risk"] = _Part(single, ("risk",), data["risk"])
        elif "tiers" in data or "rules" in data:
            parts["risk"] = _Part(single, (), data)
        if "buckets" in data:
            parts["buckets"] = _Part(single, (), data)
        if "users" in data:
            parts["roster"] = _Part(single, (), data)
    for part, name in PART_FILES.items():
        if part in parts:
            continue
        for candidate in (folder / name, SHIPPED_POLICY_DIR / name):
            if candidate.is_file():
                doc = read_yaml(candidate)
                parts[part] = _Part(doc, (), doc.data)
                if single is None and isinstance(doc.data, dict):
                    problems += _unknown_keys(doc, part)
                break
    for found in parts.values():
        problems += [
            LocatedProblem(found.doc.shown, line, f"duplicate key {p[-1]!r}")
            for p, line in found.doc.duplicates
            if p[: len(found.prefix)] == found.prefix
        ]
    return parts, _unique(problems)


def _unknown_keys(doc: YamlDoc, part: str) -> list[LocatedProblem]:
    assert isinstance(doc.data, dict)
    return [
        LocatedProblem(doc.shown, doc.line((k,)), f"unknown key {k!r} in {PART_FILES[part]}")
        for k in doc.data
        if PART_KEYS.get(k) != part or k == "risk"
    ]


def _unique(problems: list[LocatedProblem]) -> list[LocatedProblem]:
    return list(dict.fromkeys(problems))


def _pydantic(part: _Part, exc: ValidationError, base: YPath) -> list[LocatedProblem]:
    out = []
    for err in exc.errors():
        loc: YPath = (*base, *(x for x in err["loc"] if isinstance(x, str | int)))
        if err["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        elif err["type"] == "missing":
            message = f"missing key {loc[-1]!r}"
        else:
            message = f"{_dotted(loc)}: {err['msg']}"
        out.append(part.locate(loc, message))
    return out


def _dotted(loc: YPath) -> str:
    text = ""
    for x in loc:
        text += f"[{x}]" if isinstance(x, int) else (f".{x}" if text else x)
    return text


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
        return "", None, _pydantic(part, exc, ("stages",))


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
        return None, _pydantic(part, exc, ())


def _build_buckets(part: _Part | None) -> tuple[BucketScheme | None, list[LocatedProblem]]:
    if part is None:
        return DEFAULT_SCHEME, []
    try:
        data = part.data.get("buckets") if isinstance(part.data, dict) else part.data
        return scheme_from_data({"buckets": data}), []
    except ValueError as exc:
        text = str(exc)
        index = (
            text.split("]", 1)[0].removeprefix("buckets[") if text.startswith("buckets[") else ""
        )
        path: YPath = ("buckets", int(index)) if index.isdigit() else ("buckets",)
        return None, [part.locate(path, text)]


def _calendar(source: Path) -> tuple[dict[str, Any], list[LocatedProblem]]:
    """The calendar part of the version: the policy folder's calendar.yaml (the folder of a
    single policy file); a malformed one is a problem at its file and line."""
    try:
        return calendar_content(source if source.is_dir() else source.parent), []
    except InputError as exc:
        where, _, message = str(exc).partition(": ")
        file, _, line = where.rpartition(":")
        if not line.isdigit():
            file, line = where, "1"
        return {}, [LocatedProblem(file, int(line), message)]


def check_policy(
    source: Path | None = None, *, templates: Collection[str] | Literal["lookup"] | None = "lookup"
) -> PolicyCheck:
    """Load and validate everything, collecting every problem instead of stopping at the first.
    `templates`: "lookup" asks documents.registry for the known kinds; a collection is used as
    given; None skips the template check."""
    source = (source or default_source()).resolve()
    parts, problems = _parts(source)
    files = {name: part.doc.shown for name, part in parts.items()}
    kinds = known_templates() if isinstance(templates, str) else templates
    label, stages = "", None
    if "ladder" in parts:
        label, stages, errs = _build_ladder(parts["ladder"])
        problems += errs
    else:
        problems.append(LocatedProblem(str(source), 1, "no ladder found (ladder.yaml or `stages`)"))
    risk: RiskPolicy | None = None
    if "risk" in parts:
        risk, errs = _build_model(parts["risk"], RiskPolicy, "risk")
        problems += errs
    else:
        problems.append(LocatedProblem(str(source), 1, "no risk rules found (risk.yaml)"))
    scheme, errs = _build_buckets(parts.get("buckets"))
    problems += errs
    users: list[User] = []
    roster_ok = "roster" in parts
    if roster_ok:
        roster, errs = _build_model(parts["roster"], Roster, "roster")
        problems += errs
        roster_ok = roster is not None
        users = list(roster.users) if roster is not None else []
    calendar, errs = _calendar(source)
    problems += errs
    policy = None
    if stages is not None and risk is not None and scheme is not None:
        policy = Policy.build(stages, risk, scheme, label, calendar)
        for p in validate_policy(policy, kinds, users if roster_ok else None):
            part = parts.get(p.part)
            if part is not None:
                problems.append(part.locate(p.path, p.message))
    elif roster_ok:
        problems += [parts["roster"].locate(p.path, p.message) for p in validate_roster(users)]
    return PolicyCheck(policy, users, _unique(problems), files, kinds is not None)


def load_policy(source: Path | None = None) -> Policy:
    """The validated policy from a folder or file (default: $DUECOURSE_POLICY_DIR or the shipped
    one); a broken policy raises PolicyError naming the first problem's file and line."""
    result = check_policy(source)
    if result.problems or result.policy is None:
        raise PolicyError(result.problems)
    return result.policy


def load_roster(source: Path | None = None) -> list[User]:
    """The roster (users) from the policy folder or file; a broken roster raises PolicyError."""
    source = (source or default_source()).resolve()
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
