"""The one YAML loader of every policy file (ladder, risk, buckets, roster, calendar, bank.yaml)
and of prefect.yaml: the data, the line of every key and list item, duplicate keys, and pydantic
validation errors turned into `file:line: message` problems.

Dates are left as text (pydantic parses them where a model wants a date), so a date that does
not exist (`2027-02-30`) is a located validation problem rather than a crash of the YAML reader.

A hostile file cannot take the machine down: a file over 1 MiB, anything but a regular file,
anchors and aliases (billion laughs, recursive anchors) and nesting deeper than 50 are refused
before anything is built (YamlRefusedError, one `file:line:` line, exit 2).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rules.errors import DuecourseError, InputError

YPath = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
_WHOLE: Any = object()
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: marks too, 10x faster
MAX_BYTES = 1024 * 1024  # the largest policy file read (the shipped ladder is ~15 KiB)
MAX_DEPTH = 50  # the deepest nesting of mappings and lists (the shipped policy uses 5)


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """The safe loader, with timestamps kept as the text they were written as."""


_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)

# pydantic error types whose own message reads badly in a YAML file
_SHAPES = {
    "model_type": "expected a mapping of keys",
    "model_attributes_type": "expected a mapping of keys",
    "dict_type": "expected a mapping of keys",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
}


@dataclass(frozen=True)
class LocatedProblem:
    """A problem at a file and line: printed as `file:line: message`."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class LocatedError(DuecourseError):
    """Problems at files and lines; the message is the first one (and how many more)."""

    hint = ""

    def __init__(self, problems: Sequence[LocatedProblem]) -> None:
        self.problems = list(problems)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        first = problems[0] if problems else "invalid file"
        super().__init__(f"{first}{more}{self.hint}")


class YamlFileError(LocatedError, InputError):
    """A file that cannot be read, is not YAML, or does not hold what it should (exit 2)."""


class YamlRefusedError(YamlFileError):
    """A file refused before it is built: too large, not a regular file, anchors or aliases,
    nesting too deep. Callers that collect problems let it through (exit 2, one line)."""


def shown(path: Path) -> str:
    """`path` relative to the working folder when it is inside it, else as given."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _key(node: yaml.Node) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else str(node)


@dataclass
class YamlFile:
    """A parsed YAML file: `data`, and the 1-based line of every key and list item."""

    path: Path
    data: Any
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    duplicates: list[tuple[YPath, int]] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return shown(self.path)

    def line(self, path: YPath) -> int:
        """The line of `path`, or of its nearest ancestor that has one (1 for the file)."""
        keys = tuple(str(x) for x in path)
        for n in range(len(keys), 0, -1):
            if keys[:n] in self.lines:
                return self.lines[keys[:n]]
        return 1

    def problem(self, path: YPath, message: str) -> LocatedProblem:
        return LocatedProblem(self.shown, self.line(path), message)

    def duplicate_problems(self, under: YPath = ()) -> list[LocatedProblem]:
        """Keys written twice (YAML keeps the last silently) at or below `under`."""
        return [
            LocatedProblem(self.shown, line, f"duplicate key {path[-1]!r}")
            for path, line in self.duplicates
            if path[: len(under)] == under
        ]

    def dotted(self, path: YPath) -> str:
        """`stages[2].actions[1].channel`: list items in brackets, mapping keys after dots."""
        text, here = "", self.data
        for x in path:
            if isinstance(here, list) and isinstance(x, int):
                text += f"[{x}]"
                here = here[x] if 0 <= x < len(here) else None
            else:
                text += f".{x}" if text else str(x)
                here = here.get(x) if isinstance(here, dict) else None
        return text

    def validation_problems(self, exc: ValidationError, base: YPath = ()) -> list[LocatedProblem]:
        """pydantic's errors at their lines: `base` is where the validated data sits in the file.
        A list "too short" only because its own items failed is not told twice."""
        errors = exc.errors()
        failed_items = {tuple(e["loc"][:n]) for e in errors for n in range(len(e["loc"]))}
        return [
            self._located(err, base)
            for err in errors
            if not (err["type"] == "too_short" and tuple(err["loc"]) in failed_items)
        ]

    def _located(self, err: Any, base: YPath) -> LocatedProblem:
        loc: YPath = (*base, *(x for x in err["loc"] if isinstance(x, str | int) and x != "[key]"))
        kind = err["type"]
        if kind == "extra_forbidden":
            return self.problem(loc, f"unknown key {loc[-1]!r}")
        if kind == "missing":
            return self.problem(loc, f"missing key {loc[-1]!r}")
        if kind == "value_error" and "error" in err.get("ctx", {}):
            message = str(err["ctx"]["error"])
        else:
            message = _SHAPES.get(kind, err["msg"])
        return self.problem(loc, f"{self.dotted(loc)}: {message}" if loc else message)

    def validate(self, model: type[M], data: Any = _WHOLE, base: YPath = ()) -> M:
        """`data` (default: the whole file) as `model`; YamlFileError with every problem,
        duplicate keys included, at its line. `base`: where `data` sits in the file."""
        problems = self.duplicate_problems(base)
        try:
            value = model.model_validate(self.data if data is _WHOLE else data)
        except ValidationError as exc:
            problems += self.validation_problems(exc, base)
        if problems:
            raise YamlFileError(sorted(problems, key=lambda p: p.line))
        return value

    def check(self, problems: Sequence[tuple[YPath, str]]) -> None:
        """Raise YamlFileError for problems found after validation (path inside this file)."""
        if problems:
            raise YamlFileError([self.problem(path, message) for path, message in problems])


def _walk(node: yaml.Node, path: YPath, doc: YamlFile) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = _key(key_node)
            here = (*path, key)
            if key in seen:
                doc.duplicates.append((here, key_node.start_mark.line + 1))
            seen.add(key)
            doc.lines[tuple(str(x) for x in here)] = key_node.start_mark.line + 1
            _walk(value_node, here, doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            doc.lines[(*(str(x) for x in path), str(i))] = item.start_mark.line + 1
            _walk(item, (*path, i), doc)


def _read_text(path: Path) -> str:
    """The file's text, at most MAX_BYTES of a regular file (never waits on a pipe or device)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise YamlRefusedError([LocatedProblem(shown(path), 1, "not a regular file")])
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            message = f"file larger than {MAX_BYTES / 2**20:g} MiB: refused"
            raise YamlRefusedError([LocatedProblem(shown(path), 1, message)])
        return raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlFileError([LocatedProblem(shown(path), 1, f"cannot read: {exc}")]) from None


def _refusal(event: Any, depth: int) -> str | None:
    """Why this event makes the file refused, if it does."""
    if isinstance(event, yaml.AliasEvent):
        return f"alias *{event.anchor} refused (anchors and aliases are not allowed)"
    if getattr(event, "anchor", None) is not None:
        return f"anchor &{event.anchor} refused (anchors and aliases are not allowed)"
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels: refused"
    return None


def _screen(path: Path, text: str) -> None:
    """Read the event stream once, before anything is built: refuse anchors, aliases and deep
    nesting (libyaml's parser keeps no recursion, so this pass itself is safe). Syntax errors
    are left to the reading pass, which reports them."""
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            reason = _refusal(event, depth)
            if reason is not None:
                line = event.start_mark.line + 1
                raise YamlRefusedError([LocatedProblem(shown(path), line, reason)])
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def read_yaml(path: Path) -> YamlFile:
    """Parse `path` keeping the line of every key; YamlFileError (file:line) when it cannot be
    read or is not valid YAML, YamlRefusedError when it is hostile (see the module's doc)."""
    text = _read_text(path)
    _screen(path, text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = f"not valid YAML: {exc.problem or exc.context}"
        raise YamlFileError([LocatedProblem(shown(path), line, message)]) from None
    except yaml.YAMLError as exc:
        message = f"not valid YAML: {str(exc).splitlines()[0] if str(exc) else exc!r}"
        raise YamlFileError([LocatedProblem(shown(path), 1, message)]) from None
    finally:
        loader.dispose()
    doc = YamlFile(path=path, data=data)
    if node is not None:
        _walk(node, (), doc)
    return doc


def load_model(path: Path, model: type[M]) -> M:
    """Read `path` and validate it as `model`; YamlFileError with every problem at its line."""
    return read_yaml(path).validate(model)
