"""Issue 15 item 3: the set-based SQL daily cycle gives the same stages, owners, milestones,
reviews, action lines and timeline as the per-case reference evaluator (tasks/cycle/evaluate.py),
over random valid policies (the shipped ladder's vocabulary), random portfolios and several
consecutive days with changes between them, on SQLite and PostgreSQL.

Each example plays one scenario on two fresh stores in lockstep, one evaluator each, and
compares the stores after every day (tasks/cycle_oracle/compare.py). A mismatch prints the
differing rows and the scenario narrowed to the cases involved (ladder as YAML, the cases, the
days up to the failing one). Examples are derandomized (the same ones every run, as CI needs);
`ORACLE_EXAMPLES=500` explores more, with fresh random examples; `ORACLE_SHRINK=0` reports a
failure without shrinking it (shrinking an example of two stores can take minutes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, event, given, settings
from sqlalchemy.engine import Engine

from tasks.calendar import load_calendar
from tasks.cycle.core import Evaluator, PolicyBundle
from tests.tasks.cycle_oracle.compare import (
    FELL_BACK,
    State,
    diff_text,
    differences,
    read_state,
    summary_view,
)
from tests.tasks.cycle_oracle.portfolio import apply_day, write_portfolio
from tests.tasks.cycle_oracle.scenario import Scenario, scenarios
from tests.tasks.cycle_oracle.stores import PYTHON, SQL, StorePool, run_cycle

EXPLORE = int(os.environ.get("ORACLE_EXAMPLES", "0"))
SHRINK = os.environ.get("ORACLE_SHRINK", "1") != "0"  # 0: report the first failure as found
# A rerun of the day must change nothing: a milestone opened by a run is checked from the next
# day (rules/transitions.py), so the rerun finds nothing new to alert, miss or meet.


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[StorePool]:
    """Fresh stores for each example of one test (see stores.py)."""
    stores = StorePool(tmp_path)
    yield stores
    stores.close()


def oracle_settings(examples: int) -> settings:
    return settings(
        max_examples=EXPLORE or examples,
        derandomize=not EXPLORE,
        deadline=None,
        database=None,
        print_blob=True,
        phases=[p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain)],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


def _bundles(scenario: Scenario) -> list[PolicyBundle]:
    """The bundle in force on each day (a second policy from its day on)."""
    calendar = load_calendar(None)
    out: list[PolicyBundle] = []
    for i in range(len(scenario.days)):
        drawn = scenario.policy_on(i)
        out.append(PolicyBundle(drawn.policy, calendar, list(drawn.users)))
    return out


def _mismatch(scenario: Scenario, i: int, day: date, text: str, cases: set[int]) -> str:
    return (
        f"day {i + 1} ({day.isoformat()}): the stores differ\n{text}\n"
        f"-- the scenario, narrowed to cases {sorted(cases)}:\n"
        f"{scenario.describe(cases, upto=i)}"
    )


def play_in_lockstep(
    scenario: Scenario, stores: list[Engine], evaluators: list[Evaluator]
) -> State:
    """Play the scenario on both stores, one evaluator each, comparing after every day (and
    after running the scenario's `rerun` day a second time, after the changes `between`); the
    final state of the first store."""
    bundles = _bundles(scenario)
    for engine in stores:
        write_portfolio(engine, scenario)
    state = read_state(stores[0])
    for i, day in enumerate(scenario.day_dates()):
        for engine in stores:
            apply_day(engine, scenario, i, day)
        for again in range(2 if i == scenario.rerun else 1):
            if again:
                for engine in stores:
                    apply_day(engine, scenario, i, day, scenario.between)
            summaries = []
            for engine, evaluator in zip(stores, evaluators, strict=True):
                ran = run_cycle(
                    engine, day, bundles[i], batch_size=scenario.batch_size, evaluator=evaluator
                )
                _note_fallback(evaluator, ran)
                summaries.append(summary_view(ran))
            state = read_state(stores[0])
            labels = (evaluators[0], evaluators[1])
            _fail_on_differences(scenario, i, day, state, read_state(stores[1]), labels)
            if summaries[0] != summaries[1]:
                text = "\n".join(f"   {k}: {v}" for k, v in zip(labels, summaries, strict=True))
                pytest.fail(
                    _mismatch(scenario, i, day, f"== run summaries\n{text}", set()), pytrace=False
                )
    _note_coverage(state)
    return state


def _note_fallback(evaluator: Evaluator, summary: dict[str, Any]) -> None:
    if evaluator == SQL:
        fell_back = any(w.startswith(FELL_BACK) for w in summary.get("warnings", []))
        event("sql cycle: " + ("fell back to the reference" if fell_back else "decided in SQL"))


def _note_coverage(state: State) -> None:
    """What the example exercised, for `--hypothesis-show-statistics`."""
    kinds = {row[2] for row in state.tables["cycle_action"]}
    kinds |= {f"milestone {row[7]}" for row in state.tables["milestone"]}
    kinds |= {f"review {row[3]}" for row in state.tables["review"]}
    kinds |= {f"timeline {row[2]}" for row in state.tables["timeline_event"]}
    for kind in sorted(kinds):
        event(kind)


def _fail_on_differences(
    scenario: Scenario, i: int, day: date, a: State, b: State, labels: tuple[str, str]
) -> None:
    diffs = differences(a, b)
    if diffs:
        cases = set().union(*(d.cases() for d in diffs))
        text = diff_text(diffs, labels)
        pytest.fail(_mismatch(scenario, i, day, text, cases), pytrace=False)


def _sql_matches(scenario: Scenario, backend: str, pool: StorePool) -> None:
    with pool.fresh(backend) as stores:
        state = play_in_lockstep(scenario, stores, [PYTHON, SQL])
    assert state.rows("collection_case") == len(scenario.cases)


@oracle_settings(20)
@given(scenario=scenarios(max_cases=20))
def test_sql_cycle_matches_the_reference_on_sqlite(pool: StorePool, scenario: Scenario) -> None:
    _sql_matches(scenario, "sqlite", pool)


@pytest.mark.pg
@oracle_settings(8)
@given(scenario=scenarios(max_cases=15))
def test_sql_cycle_matches_the_reference_on_postgresql(pool: StorePool, scenario: Scenario) -> None:
    _sql_matches(scenario, "postgresql", pool)


@oracle_settings(3)
@given(scenario=scenarios(max_cases=12))
def test_the_reference_plays_alike_on_two_stores_and_a_changed_row_shows(
    pool: StorePool, scenario: Scenario
) -> None:
    """The harness itself: the reference against itself agrees (scenarios replay exactly and
    ids are normalised away), and one changed owner is reported as a difference of its case."""
    with pool.fresh("sqlite") as stores:
        state = play_in_lockstep(scenario, stores, [PYTHON, PYTHON])
        with stores[1].begin() as conn:
            conn.execute(sa.text("UPDATE collection_case SET owner = 'someone.else' WHERE id = 1"))
        diffs = differences(state, read_state(stores[1]))
    assert [d.table for d in diffs] == ["collection_case"]
    assert diffs[0].cases() == {1}


def _rerun_changes_nothing(
    scenario: Scenario, backend: str, evaluator: Evaluator, pool: StorePool
) -> None:
    bundles = _bundles(scenario)
    with pool.fresh(backend, count=1) as (engine,):
        write_portfolio(engine, scenario)
        for i, day in enumerate(scenario.day_dates()):
            apply_day(engine, scenario, i, day)
            run_cycle(engine, day, bundles[i], batch_size=scenario.batch_size, evaluator=evaluator)
            once = read_state(engine)
            cases = once.rows("collection_case")
            run_cycle(engine, day, bundles[i], batch_size=scenario.batch_size, evaluator=evaluator)
            again = read_state(engine)
            _fail_on_differences(scenario, i, day, once, again, ("the first run", "the rerun"))
    assert cases == len(scenario.cases)


@oracle_settings(6)
@given(scenario=scenarios(max_cases=15))
def test_a_rerun_of_the_day_on_the_sql_cycle_changes_nothing_on_sqlite(
    pool: StorePool, scenario: Scenario
) -> None:
    _rerun_changes_nothing(scenario, "sqlite", SQL, pool)


@pytest.mark.pg
@oracle_settings(3)
@given(scenario=scenarios(max_cases=12))
def test_a_rerun_of_the_day_on_the_sql_cycle_changes_nothing_on_postgresql(
    pool: StorePool, scenario: Scenario
) -> None:
    _rerun_changes_nothing(scenario, "postgresql", SQL, pool)
