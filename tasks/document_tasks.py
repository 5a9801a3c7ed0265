"""The document engine's steps as Prefect tasks, one per batch of cases (never one per letter).
No caching and no result persistence: the documents live in the store, keyed idempotently."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.engine import Engine

from documents.manifest import Format
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.document_batch import render_batch
from tasks.documents import document_dict, render_documents


@task(name="render-documents", cache_policy=NO_CACHE, persist_result=False)
def render_documents_task(
    engine: Engine,
    documents_dir: str,
    policy_dir: str,
    kind: str,
    case_ids: list[int],
    as_of: date,
    formats: list[str],
) -> dict[str, Any]:
    """Render (or find stored) `kind` for the cases; counts and store fields, no personal data."""
    result = render_documents(
        engine,
        Path(documents_dir),
        load_bank(Path(policy_dir)),
        kind,
        case_ids,
        as_of,
        [Format(f) for f in formats],
        calendar=load_calendar(Path(policy_dir)),
    )
    return {
        "created": result.created,
        "reused": result.reused,
        "documents": [document_dict(d) for d in result.documents],
        "calendar_warnings": result.calendar_warnings,
    }


@task(name="render-mail-batch", cache_policy=NO_CACHE, persist_result=False)
def render_batch_task(
    engine: Engine,
    documents_dir: str,
    policy_dir: str,
    kind: str,
    case_ids: list[int],
    as_of: date,
    out: str,
    duplex: bool = False,
) -> dict[str, Any]:
    """One printable PDF and its manifest CSV for the cases' letters (stored one by one too)."""
    report = render_batch(
        engine,
        Path(documents_dir),
        load_bank(Path(policy_dir)),
        kind,
        case_ids,
        as_of,
        Path(out),
        calendar=load_calendar(Path(policy_dir)),
        duplex=duplex,
    )
    return report.as_dict()
