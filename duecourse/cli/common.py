"""What every command shares: settings from the context, dates, JSON output, consoles."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from duecourse.settings import Settings
from rules.errors import InputError
from tasks.clock import today

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


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
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


def emit_json(data: Any) -> None:
    """Print one JSON document on stdout and nothing else."""
    sys.stdout.write(to_json(data) + "\n")
    sys.stdout.flush()


def progress_enabled(json_out: bool) -> bool:
    """Progress bars only on a terminal and never around JSON output."""
    return not json_out and err_console.is_terminal
