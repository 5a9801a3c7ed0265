"""The audit chain's arithmetic: a clean chain holds; an edited, removed or moved row is named
with what is wrong; data is canonical and masked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from rules.audit_chain import (
    GENESIS,
    ChainRow,
    Problem,
    canonical_data,
    entry_hash,
    row_hash,
    verify,
)
from rules.enums import AuditAction, Stage

T0 = datetime(2026, 11, 29, 1, 2, 3, 4, tzinfo=UTC)


def chain(n: int) -> list[ChainRow]:
    rows, prev = [], GENESIS
    for i in range(1, n + 1):
        data = canonical_data({"n": i, "to": Stage.LAWYER_LETTER})
        fields = dict(
            at=T0 + timedelta(seconds=i), actor="legal1", action=AuditAction.STAGE_CHANGED.value,
            subject_type="case", subject_id=str(i), case_id=i, data=data,
        )  # fmt: skip
        digest = entry_hash(prev, **fields)  # type: ignore[arg-type]
        rows.append(ChainRow(id=i, prev_hash=prev, hash=digest, **fields))  # type: ignore[arg-type]
        prev = digest
    return rows


def test_a_clean_chain_holds_and_reports_its_head() -> None:
    rows = chain(5)
    verdict = verify(rows)
    assert verdict.ok and verdict.checked == 5
    assert (verdict.head_id, verdict.head_hash) == (5, rows[-1].hash)
    assert rows[0].prev_hash == GENESIS == "0" * 64


def test_an_empty_chain_holds() -> None:
    verdict = verify([])
    assert verdict.ok and verdict.checked == 0 and verdict.head_id is None


def test_an_edited_field_is_named_as_edited() -> None:
    rows = chain(5)
    rows[2] = rows[2]._replace(data=canonical_data({"n": 3, "to": "paid"}))
    verdict = verify(rows)
    assert verdict.finding is not None
    assert (verdict.finding.id, verdict.finding.problem) == (3, Problem.EDITED)
    assert verdict.finding.action == "stage_changed" and verdict.checked == 3


@pytest.mark.parametrize("field", ["at", "actor", "subject_id", "case_id", "prev_hash"])
def test_every_field_is_covered_by_the_hash(field: str) -> None:
    row = chain(1)[0]
    changed: dict[str, Any] = {
        "at": T0, "actor": "someone", "subject_id": "99", "case_id": 99, "prev_hash": "f" * 64,
    }  # fmt: skip
    assert row_hash(row._replace(**{field: changed[field]})) != row.hash


def test_a_removed_row_is_named_by_the_gap_after_it() -> None:
    rows = chain(5)
    del rows[2]  # row 3
    finding = verify(rows).finding
    assert finding is not None
    assert (finding.id, finding.problem) == (4, Problem.REMOVED)
    assert "row(s) 3 missing" in finding.why


def test_a_removed_first_row_is_found() -> None:
    finding = verify(chain(3)[1:]).finding
    assert finding is not None and (finding.id, finding.problem) == (2, Problem.REMOVED)


def test_a_removal_hidden_by_renumbering_is_a_broken_link() -> None:
    rows = chain(5)
    del rows[2]
    rows = [r._replace(id=i) for i, r in enumerate(rows, start=1)]
    finding = verify(rows).finding
    assert finding is not None and (finding.id, finding.problem) == (3, Problem.REMOVED)
    assert "row 2's" in finding.why


def test_two_swapped_rows_are_named_as_reordered() -> None:
    rows = chain(5)
    a, b = rows[1], rows[2]
    rows[1], rows[2] = b._replace(id=2), a._replace(id=3)
    finding = verify(rows).finding
    assert finding is not None
    assert (finding.id, finding.problem) == (2, Problem.REORDERED)
    assert "row 3" in finding.why


def test_a_row_moved_later_is_named_as_reordered() -> None:
    rows = chain(6)
    moved = [rows[0], rows[2], rows[3], rows[1], rows[4], rows[5]]  # row 2 moved after row 4
    rows = [r._replace(id=i) for i, r in enumerate(moved, start=1)]
    finding = verify(rows).finding
    assert finding is not None and finding.id == 2 and finding.problem == Problem.REORDERED


def test_a_rewritten_row_breaks_the_next_rows_link() -> None:
    """Someone who edits a row and recomputes its hash still breaks the row after it."""
    rows = chain(4)
    forged = rows[1]._replace(actor="intruder")
    rows[1] = forged._replace(hash=row_hash(forged))
    finding = verify(rows).finding
    assert finding is not None and (finding.id, finding.problem) == (3, Problem.REMOVED)


def test_data_is_canonical_and_masked() -> None:
    a = canonical_data(
        {"b": Decimal("12.30"), "a": date(2026, 11, 2), "note": "call 13812345678", "x": [1, 2]}
    )
    b = canonical_data(
        {"x": [1, 2], "note": "call 13812345678", "a": date(2026, 11, 2), "b": Decimal("12.30")}
    )
    assert a == b == '{"a":"2026-11-02","b":"12.30","note":"call 138****5678","x":[1,2]}'
    assert canonical_data({"name": "张三"}) == '{"name":"张三"}'  # UTF-8, not escaped
    masked = canonical_data(
        {"a": "１３８１２３４５６７８", "b": "li@example.com", "c": "password=hunter2", "d": "ok"}
    )
    assert "5678" in masked and "12345678" not in masked and "１３８１２３４" not in masked
    assert "li@example.com" not in masked and "hunter2" not in masked and '"d":"ok"' in masked


def test_floats_and_naive_times_are_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        canonical_data({"amount": 1.5})
    with pytest.raises(ValueError, match="naive"):
        entry_hash(
            GENESIS, at=datetime(2026, 1, 1), actor="a", action="x", subject_type="case",
            subject_id="1", case_id=None, data="{}",
        )  # fmt: skip
