"""A failed batch can run again: its transaction is rolled back, the owners' loads it counted
are restored, and only errors that may pass on a second try are retried by Prefect."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.enums import Stage
from rules.errors import DuecourseError
from tasks.cycle import core
from tasks.cycle.core import Evaluator, finish, prepare, process_batch
from tasks.cycle.prefect_tasks import retry_unless_user_error
from tasks.cycle.sql.engine import SqlBatch
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle, table


class _State:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def result(self) -> Any:
        raise self.exc


@pytest.mark.parametrize("evaluator", list(Evaluator))
def test_a_failed_batch_leaves_nothing_and_runs_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, evaluator: Evaluator
) -> None:
    with Session(engine) as s:
        for dpd in (10, 45):
            make_case(s, dpd=dpd, stage=Stage.SOFT_REMINDER, as_of=MONDAY, owner=None)
        s.commit()
    run = prepare(engine, MONDAY, bundle(), evaluator=evaluator)
    loads = dict(run.ctx.loads)
    calls = {"n": 0}

    def failing_once(real: Any) -> Any:
        def flaky(*args: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 1:
                raise ConnectionError("server closed the connection unexpectedly")
            real(*args)

        return flaky

    # The last step of each engine's batch: its writes (the decisions were all made before).
    if evaluator is Evaluator.SQL:
        monkeypatch.setattr(SqlBatch, "write", failing_once(SqlBatch.write))
    else:
        monkeypatch.setattr(core, "write_plan", failing_once(core.write_plan))
    ((lo, hi),) = run.bounds
    with pytest.raises(ConnectionError):
        process_batch(run, lo, hi)
    assert run.ctx.loads == loads  # the owners counted by the failed try are given back
    assert table(engine, "cycle_action") == []
    totals = process_batch(run, lo, hi)  # the retry
    finish(run, core.RunStatus.SUCCEEDED)
    assert totals.cases == 2
    owners = [a for a in table(engine, "cycle_action") if a.kind == "owner_assigned"]
    assert len(owners) == 2
    assert sum(run.ctx.loads.values()) - sum(loads.values()) == 2


def test_only_what_may_pass_is_retried() -> None:
    assert retry_unless_user_error(None, None, _State(ConnectionError("reset"))) is True
    assert retry_unless_user_error(None, None, _State(DuecourseError("bad policy"))) is False
