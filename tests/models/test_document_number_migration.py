"""Migration 0005: each stored letter keeps its number in `document_number` (the lowest where a
race had given its formats two), so a later render of another format prints it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import alembic_config, make_engine
from tests.factories import make_case


def _document(conn: sa.Connection, case_id: int, number: str | None, fmt: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO document (case_id, kind, number, format, as_of, path, sha256, size, "
            "template, template_version, data, idempotency_key, rendered_at) VALUES (:c, "
            "'collection_letter', :n, :f, '2026-11-23', :p, 'x', 0, 't', 1, '{}', :k, "
            "'2026-11-23 01:00:00')"
        ),
        {"c": case_id, "n": number, "f": fmt, "p": f"{number}.{fmt}", "k": f"{case_id}:{fmt}"},
    )


def test_stored_letters_keep_their_number(db_url: str) -> None:
    engine: Engine = make_engine(db_url)
    cfg = alembic_config(engine)
    command.upgrade(cfg, "0002")
    command.upgrade(cfg, "heads")  # the ORM's factories write today's columns
    with Session(engine) as s:
        one, two = make_case(s).id, make_case(s).id
        s.commit()
    assert one is not None and two is not None
    command.downgrade(cfg, "0004")
    with engine.begin() as conn:
        _document(conn, one, "CL-2026-000002", "pdf")
        _document(conn, one, "CL-2026-000001", "docx")  # the race of issue 13 item 5
        _document(conn, two, "CL-2026-000003", "pdf")
    command.upgrade(cfg, "heads")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT case_id, as_of, number FROM document_number ORDER BY case_id")
        ).all()
    assert [(r[0], str(r[1]), r[2]) for r in rows] == [
        (one, date(2026, 11, 23).isoformat(), "CL-2026-000001"),
        (two, "2026-11-23", "CL-2026-000003"),
    ]
    engine.dispose()
