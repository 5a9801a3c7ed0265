"""Policy versions: what the calendar adds to the version, and the store of every version used.

A version is the sha256 of the policy's content (`rules.policy.policy_content`): ladder, risk,
buckets and the business calendar (the bank's `calendar.yaml` as parsed, plus the versions of the
libraries that supply holidays: a newer chinesecalendar or lunar table can move a deadline, so it
is a new version). Each version used by a run is stored with its content in `policy_version`, so
that the version on an action line, a milestone or a review can be read years later
(`duecourse policy show --version V`).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models import PolicyVersion
from rules.errors import NotFoundError
from rules.policy import Policy, canonical_json
from tasks.calendar import CALENDAR_FILE, library_years, read_calendar_file

TABLE = PolicyVersion.__table__  # type: ignore[attr-defined]
_LUNAR_PACKAGE = "lunardate"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def calendar_content(folder: Path | None) -> dict[str, Any]:
    """The calendar part of a policy's content: library versions and the bank's declared years
    (InputError with file and line when the calendar file is malformed)."""
    label, _years = library_years()
    content: dict[str, Any] = {
        "library": label,
        "lunar": f"{_LUNAR_PACKAGE} {_package_version(_LUNAR_PACKAGE)}",
        "years": {},
        "fallback_fixed": None,
    }
    path = folder / CALENDAR_FILE if folder is not None else None
    if path is None or not path.is_file():
        return content
    parsed = read_calendar_file(path)
    content["years"] = {
        str(year): {
            "holidays": sorted(d.isoformat() for d in days.holidays),
            "workdays": sorted(d.isoformat() for d in days.workdays),
        }
        for year, days in sorted(parsed.years.items())
    }
    if parsed.fallback_fixed is not None:
        content["fallback_fixed"] = sorted(f"{m:02d}-{d:02d}" for m, d in parsed.fallback_fixed)
    return content


def record_version(conn: Connection, policy: Policy) -> None:
    """Store the policy's version with its content, once (a version already stored is kept)."""
    exists = conn.execute(
        sa.select(TABLE.c.version).where(TABLE.c.version == policy.version)
    ).first()
    if exists is not None:
        return
    content = canonical_json(policy.content())
    try:
        with conn.begin_nested():
            conn.execute(
                TABLE.insert().values(
                    version=policy.version, label=policy.label[:200], content=content
                )
            )
    except sa.exc.IntegrityError:
        pass  # another run stored it first: same version, same content


def stored_version(engine: Engine, version: str) -> tuple[str, dict[str, Any]]:
    """(full version, content) of a stored version given in full or by a unique prefix of at
    least 6 characters; NotFoundError otherwise."""
    wanted = version.strip().lower()
    if len(wanted) < 6 or any(c not in "0123456789abcdef" for c in wanted):
        raise NotFoundError(
            f"--version {version!r}: give a policy version (at least 6 hex characters)"
        )
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(TABLE.c.version, TABLE.c.content)
            .where(TABLE.c.version.like(f"{wanted}%"))
            .limit(2)
        ).all()
    if not rows:
        raise NotFoundError(f"no policy version {version!r} was ever used with this store")
    if len(rows) > 1:
        raise NotFoundError(f"policy version {version!r} is ambiguous: give more characters")
    full, content = rows[0]
    return str(full), json.loads(content)
