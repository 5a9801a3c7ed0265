"""Two renders of the same document at once: one row, one number, one file, and the loser
returns the winner's document (the store's race branch, run for real with two threads that both
pass the "already stored?" check before either inserts)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from documents.manifest import Format
from models import Document
from tasks.document_verify import verify_documents
from tasks.documents import RenderResult, render_documents
from tests.tasks.test_documents import AS_OF, BANK, CAL, _cases
from tests.threads import run_together


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", AS_OF.isoformat())


def _race(monkeypatch: pytest.MonkeyPatch, run: Callable[[], RenderResult]) -> list[RenderResult]:
    """Run `run` in two threads that both pass the "already stored?" check before either
    inserts (a barrier in front of the insert): a real race for the same idempotency key."""
    import tasks.documents as store

    real_insert = store._insert
    barrier = threading.Barrier(2, timeout=30)

    def insert_together(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()  # both have checked, numbered, rendered and written their files
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(store, "_insert", insert_together)
    return run_together(run, run)


def test_a_lost_race_returns_the_winner_and_removes_its_own_file(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (case_id,) = _cases(engine)

    def render() -> RenderResult:
        return render_documents(
            engine, tmp_path, BANK, "collection_letter", [case_id], AS_OF, formats=[Format.PDF],
            calendar=CAL,
        )  # fmt: skip

    one, two = _race(monkeypatch, render)
    winner, loser = (one, two) if one.created else (two, one)
    assert (winner.created, loser.created) == (1, 0)  # exactly one stored it
    assert loser.reused == 1
    assert loser.documents[0].id == winner.documents[0].id  # the loser returns the winner's
    assert loser.documents[0].number == winner.documents[0].number
    with Session(engine) as session:
        (row,) = session.exec(select(Document)).all()
    assert row.number == winner.documents[0].number
    files = sorted(p.name for p in (tmp_path / "collection_letter" / "2026").iterdir())
    assert files == [f"{row.number}.pdf"]  # the loser's own numbered file is gone
    with Session(engine) as session:
        assert verify_documents(session, tmp_path) == (1, [])


def test_a_lost_race_on_an_unnumbered_kind_keeps_the_winners_file(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: an unnumbered document's path is the same for both racers, and the loser
    removed it: the winner's row pointed at a missing file."""
    (case_id,) = _cases(engine)

    def render() -> RenderResult:
        return render_documents(
            engine, tmp_path, BANK, "reminder_email", [case_id], AS_OF, formats=[Format.TEXT],
            calendar=CAL,
        )  # fmt: skip

    one, two = _race(monkeypatch, render)
    assert sorted((one.created, two.created)) == [0, 1]
    assert one.documents[0].id == two.documents[0].id
    with Session(engine) as session:
        assert len(session.exec(select(Document)).all()) == 1
        assert verify_documents(session, tmp_path) == (1, [])
    assert [p.name for p in (tmp_path / "reminder_email" / "2026").iterdir()] == [
        f"case{case_id}-2026-11-23.txt"
    ]  # and no temporary file left behind


def test_two_writers_of_one_path_in_one_process_do_not_share_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the temporary name carried only the process id, so two threads writing one
    path (an unnumbered kind raced in a thread pool) shared it and the second rename failed."""
    import os

    import tasks.documents as store

    real_replace = os.replace
    barrier = threading.Barrier(2, timeout=30)

    def replace_together(src: Any, dst: Any) -> None:
        barrier.wait()  # both temporary files are written before either is renamed
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_together)
    target = tmp_path / "reminder_email" / "2026" / "case1-2026-11-23.txt"

    def write() -> None:
        store._write_atomic(target, b"same bytes")

    run_together(write, write)
    assert target.read_bytes() == b"same bytes"
    assert [p.name for p in target.parent.iterdir()] == [target.name]
