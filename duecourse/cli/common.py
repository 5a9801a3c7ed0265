"""What every command shares: settings from the context, dates, JSON output, consoles."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, ConsoleOptions, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.segment import Segment

from duecourse.settings import Settings
from rules.errors import InputError
from rules.terminal_text import has_controls, json_escape_controls, terminal_block
from tasks.clock import today


class SafeConsole(Console):
    """A console that never sends a control character of the data it prints to the terminal
    (escape sequences in a name, a comment, a file name: rules.terminal_text). Every piece of
    text passes here, whether a string, a Text or a table cell; Rich's own styling and control
    codes are added after (segments marked `control` are its own and pass as they are)."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterator[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or not has_controls(segment.text):
                yield segment
            else:
                yield Segment(terminal_block(segment.text), segment.style)


console = SafeConsole(highlight=False)
err_console = SafeConsole(stderr=True, highlight=False)


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def parse_date(value: str | None, option: str = "--as-of") -> date:
    """An ISO date, or today (Asia/Shanghai) when None; a bad one names the option."""
    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date (expected YYYY-MM-DD)") from None


def parse_choice(kind: type[Any], value: str | None, option: str) -> Any:
    """An enum member from its value, None for None or "all"; a bad one names the choices."""
    if value is None or value == "all":
        return None
    return parse_enum(kind, value, option)


def parse_enum(kind: type[Any], value: str, option: str) -> Any:
    """An enum member from its value; a bad one is one line naming the choices (exit 2)."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(m.value for m in kind)
        raise InputError(f"{option}: unknown value {value!r} (one of: {known})") from None


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def to_json(data: Any) -> str:
    """One JSON document; values as given, control characters JSON-escaped (C1 too)."""
    return json_escape_controls(json.dumps(data, ensure_ascii=False, indent=2, default=_default))


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout and nothing else."""
    sys.stdout.write(to_json(data) + "\n")
    sys.stdout.flush()


@contextmanager
def progress(enabled: bool, label: str, total: int | None = None) -> Iterator[Any]:
    """A transient bar on stderr (only when `enabled`: progress_enabled), yielding `tick(done)`
    that sets how many are done (or None when disabled); without `total`, a running count."""
    if not enabled:
        yield None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


# `--prefect/--no-prefect` of the commands that can run through their flow
PrefectOpt = Annotated[
    bool | None,
    typer.Option(
        "--prefect/--no-prefect",
        help="Run through the Prefect flow (default: when PREFECT_API_URL names a server).",
    ),
]


def through_prefect(option: bool | None) -> bool:
    """--prefect/--no-prefect as given, else whether PREFECT_API_URL names a server."""
    return option if option is not None else bool(os.environ.get("PREFECT_API_URL"))


def print_import_result(summary: str, quarantine_file: Path | None) -> None:
    """A file import's one-line summary, and where its refused rows went (line and reason)."""
    console.print(summary, markup=False, soft_wrap=True)
    if quarantine_file is not None:
        console.print(
            f"quarantined rows (line and reason): {quarantine_file}", markup=False, soft_wrap=True
        )


def progress_enabled(json_out: bool) -> bool:
    """Progress bars only on a terminal and never around JSON output."""
    return not json_out and err_console.is_terminal
