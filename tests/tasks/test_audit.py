"""The audit chain in the store: appends chain in order on both databases, in the caller's
transaction; `verify_store` catches an edited and a deleted row (SQLite, where no trigger stops
them); PostgreSQL refuses UPDATE, DELETE and TRUNCATE; two writers at once keep one chain."""

from __future__ import annotations

import itertools
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.audit_chain import GENESIS, Problem
from rules.enums import AuditAction
from tasks.audit import Entry, chain_rows, list_entries, record, record_many, verify_store
from tests.threads import run_together


def _stage(case_id: int) -> Entry:
    return Entry(
        AuditAction.STAGE_CHANGED, "case", case_id, case_id, "daily_cycle",
        {"from": "formal_demand", "to": "lawyer_letter"},
    )  # fmt: skip


def _fill(engine: Engine, n: int) -> None:
    with engine.begin() as conn:
        record_many(conn, [_stage(i) for i in range(1, n + 1)])


def test_rows_chain_from_genesis_in_id_order(engine: Engine) -> None:
    with Session(engine) as session:
        record(
            session, action=AuditAction.REVIEW_DECIDED, subject_type="review", subject_id=7,
            case_id=3, actor="legal1", data={"comment": "call 13812345678"},
        )  # fmt: skip
        session.commit()
    _fill(engine, 3)
    with engine.connect() as conn:
        rows = list(chain_rows(conn, chunk=2))  # chunks smaller than the chain
        verdict = verify_store(conn)
        listed = list_entries(conn, case_id=3, limit=10)
    assert [r.id for r in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert verdict.ok and verdict.checked == 4 and verdict.head_id == 4
    assert rows[0].data == '{"comment":"call 138****5678"}'  # masked before it is stored
    assert [e["action"] for e in listed] == ["review_decided", "stage_changed"]
    assert listed[0]["at"].utcoffset().total_seconds() == 8 * 3600


def test_a_rolled_back_append_leaves_no_gap(engine: Engine) -> None:
    _fill(engine, 2)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        record_many(conn, [_stage(9)])
        raise RuntimeError("the caller's transaction fails")
    _fill(engine, 1)
    with engine.connect() as conn:
        assert [r.id for r in chain_rows(conn)] == [1, 2, 3]
        assert verify_store(conn).ok


def test_an_edited_row_is_named(sqlite_engine: Engine) -> None:
    _fill(sqlite_engine, 5)
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql(
            'UPDATE audit_entry SET data = \'{"from":"formal_demand","to":"paid"}\' WHERE id = 3'
        )
    with sqlite_engine.connect() as conn:
        verdict = verify_store(conn)
    assert verdict.finding is not None
    assert (verdict.finding.id, verdict.finding.problem) == (3, Problem.EDITED)
    assert verdict.finding.action == "stage_changed"


def test_a_deleted_row_is_named(sqlite_engine: Engine) -> None:
    _fill(sqlite_engine, 5)
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_entry WHERE id = 2")
    with sqlite_engine.connect() as conn:
        verdict = verify_store(conn)
    assert verdict.finding is not None
    assert (verdict.finding.id, verdict.finding.problem) == (3, Problem.REMOVED)
    assert "2 missing" in verdict.finding.why


@pytest.mark.pg
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET actor = 'x' WHERE id = 1", "DELETE FROM audit_entry WHERE id = 1",
     "TRUNCATE audit_entry"],
)  # fmt: skip
def test_postgresql_refuses_changes(pg_schema_url: str, statement: str) -> None:
    from models.db import make_engine, upgrade

    engine = make_engine(pg_schema_url)
    upgrade(engine)
    try:
        _fill(engine, 2)
        refused = pytest.raises(sa.exc.DBAPIError, match="audit_entry is append-only")
        with refused, engine.begin() as conn:
            conn.exec_driver_sql(statement)
        with engine.connect() as conn:
            assert verify_store(conn).checked == 2
    finally:
        engine.dispose()


def test_two_writers_at_once_keep_one_chain(engine: Engine) -> None:
    """Each writer reads the head inside its transaction and holds the transaction open a
    while: without the lock both would chain from the same row (and one be refused)."""
    barrier = threading.Barrier(2)

    def writer(k: int) -> int:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1")  # the transaction is open before either appends
            barrier.wait(10)
            for i in range(20):
                record_many(conn, [_stage(k * 100 + i)])
        return k

    assert run_together(lambda: writer(1), lambda: writer(2)) == [1, 2]
    with engine.connect() as conn:
        verdict = verify_store(conn)
        subjects = sorted(int(r.subject_id) for r in chain_rows(conn))
    assert verdict.ok and verdict.checked == 40
    assert subjects == sorted([100 + i for i in range(20)] + [200 + i for i in range(20)])
