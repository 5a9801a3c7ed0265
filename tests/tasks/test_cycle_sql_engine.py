"""The set-based cycle's own pieces: risk reasons formatted in SQL as Python formats them, exact
threshold comparisons, the engine chosen by DUECOURSE_CYCLE_ENGINE, and the fallback to the
reference evaluator for a reason format the compiler does not know. (The whole engine against
the reference: tests/tasks/cycle_oracle.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rules.errors import DuecourseError
from rules.policy import RiskPolicy, RiskRule, RiskTiers
from rules.risk import reason_text
from tasks.cycle.core import Evaluator, configured_evaluator, prepare, run_day
from tasks.cycle.sql.dialect import Dialect
from tasks.cycle.sql.risk_sql import Unsupported, compare, compile_rule
from tests.factories import make_case
from tests.tasks.cycle_data import MONDAY, bundle

MONEY = [0, 1, 50, 150, 250, 99_999_950, 123_456_789, 100_000_050]  # fen: ties round to even
RATIOS = [0, 5, 9_512, 9_550, 9_650, 10_000, 12_345, 150_050]  # ten-thousandths


def _shown(engine: Engine, rule: RiskRule, column: str, value: int) -> str:
    with engine.connect() as conn:
        d = Dialect(conn)
        compiled = compile_rule(rule, d)
        sql = compiled.text.replace(f"w.{column}", "x.v")
        return str(conn.execute(sa.text(f"SELECT {sql} FROM (SELECT {value} AS v) x")).scalar())


@pytest.mark.parametrize(
    "reason",
    [
        "balance {value:,.0f} ≥ {threshold:,.0f}",
        "balance {value}",
        "balance {value:.2f} / {value:,.2f} / {value:.1f} / {value:.0f}",
        "{field} {points} {threshold}",
    ],
)
def test_money_reasons_read_as_python_writes_them(engine: Engine, reason: str) -> None:
    rule = RiskRule(field="balance", op=">=", value=Decimal("30000"), points=1, reason=reason)
    for fen in MONEY:
        expected = reason_text(rule, Decimal(fen).scaleb(-2))
        assert _shown(engine, rule, "bal", fen) == expected


@pytest.mark.parametrize(
    "reason", ["{value:.0%} of the limit", "{value}", "{value:.2%} {value:.1f}"]
)
def test_ratio_reasons_read_as_python_writes_them(engine: Engine, reason: str) -> None:
    rule = RiskRule(field="utilisation", op=">=", value=Decimal("0.9"), points=1, reason=reason)
    for q in RATIOS:
        expected = reason_text(rule, Decimal(q).scaleb(-4))
        assert _shown(engine, rule, "util", q) == expected


def test_whole_numbers_group_and_yes_no_read_as_python(engine: Engine) -> None:
    days = RiskRule(field="dpd", op=">", value=Decimal(30), points=1, reason="{value:,} / {value}")
    assert _shown(engine, days, "dpd", 1234567) == "1,234,567 / 1234567"
    flag = RiskRule(field="contactable", op="==", value=False, points=1, reason="c={value}")
    assert _shown(engine, flag, "contactable", 0) == "c=False"


def test_a_broken_format_falls_back_to_pythons_wording(engine: Engine) -> None:
    rule = RiskRule(field="dpd", op=">", value=Decimal(30), points=1, reason="DPD {nope}")
    assert _shown(engine, rule, "dpd", 45) == reason_text(rule, 45) == "dpd 45 > 30"


def test_an_unknown_format_is_refused_by_the_compiler(engine: Engine) -> None:
    rule = RiskRule(field="balance", op=">", value=Decimal(1), points=1, reason="{value:e}")
    with engine.connect() as conn, pytest.raises(Unsupported):
        compile_rule(rule, Dialect(conn))


@pytest.mark.parametrize(
    ("op", "threshold", "hits"),
    [
        (">", "10.5", [11, 12]),
        (">=", "10.5", [11, 12]),
        ("<", "10.5", [9, 10]),
        ("<=", "10.5", [9, 10]),
        ("==", "10.5", []),
        ("!=", "10.5", [9, 10, 11, 12]),
        ("==", "10", [10]),
        (">=", "10", [10, 11, 12]),
    ],
)
def test_thresholds_compare_exactly(
    engine: Engine, op: str, threshold: str, hits: list[int]
) -> None:
    test = compare("x.v", op, Decimal(threshold))
    with engine.connect() as conn:
        found = [
            v
            for v in (9, 10, 11, 12)
            if conn.execute(
                sa.text(f"SELECT CASE WHEN {test} THEN 1 ELSE 0 END FROM (SELECT {v} AS v) x")
            ).scalar()
        ]
        unknown = f"SELECT CASE WHEN {test.replace('x.v', 'NULL')} THEN 1 ELSE 0 END"
        assert conn.execute(sa.text(unknown)).scalar() == 0  # an unknown fact never fires
    assert found == hits


def test_the_engine_is_chosen_by_the_environment(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", "python")
    assert configured_evaluator() is Evaluator.PYTHON
    run = prepare(sqlite_engine, MONDAY, bundle())
    assert run.evaluator is Evaluator.PYTHON
    run.lock.release()
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", "fast")
    with pytest.raises(DuecourseError, match="DUECOURSE_CYCLE_ENGINE must be sql or python"):
        configured_evaluator()
    monkeypatch.delenv("DUECOURSE_CYCLE_ENGINE")
    assert configured_evaluator() is Evaluator.SQL


def test_a_reason_format_sql_does_not_say_is_decided_by_the_reference(
    sqlite_engine: Engine,
) -> None:
    with Session(sqlite_engine) as s:
        make_case(s, dpd=45, as_of=MONDAY)
        s.commit()
    b = bundle()
    odd = RiskRule(field="balance", op=">", value=Decimal(1), points=5, reason="{value:e}")
    risk = RiskPolicy(rules=[odd], tiers=RiskTiers(high=60, medium=30))
    b.policy = b.policy.model_copy(update={"risk": risk})
    result = run_day(sqlite_engine, MONDAY, b)
    assert result["status"] == "succeeded"
    assert any("decided by the reference evaluator" in w for w in result["warnings"])
    with sqlite_engine.connect() as conn:
        reasons = conn.execute(sa.text("SELECT risk_reasons FROM collection_case")).scalar()
    assert reasons is not None and "e+" in reasons  # Python's exponent format, as the policy says


def test_day_is_a_date(engine: Engine) -> None:
    with engine.connect() as conn:
        d = Dialect(conn)
        day = conn.execute(sa.text(f"SELECT {d.date_text(d.day(date(2026, 2, 3)))}")).scalar()
    assert str(day) == "2026-02-03"
