from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from models import CardAccount, Case
from models.db import pending_migrations
from rules.enums import CaseStatus, Stage
from tests.factories import make_case


def test_money_round_trips_exactly_and_timestamps_are_utc(session: Session) -> None:
    case = make_case(session, principal="12345.67", interest="0.01", fees="0.10")
    session.commit()
    session.expire_all()
    account = session.get(CardAccount, case.account_id)
    assert account is not None
    assert account.principal == Decimal("12345.67")
    assert account.balance == Decimal("12345.78")
    assert account.created_at.tzinfo is not None
    assert account.created_at.utcoffset() == UTC.utcoffset(None)


def test_one_open_case_per_account(session: Session) -> None:
    case = make_case(session)
    session.commit()
    session.add(
        Case(
            account_id=case.account_id,
            customer_id=case.customer_id,
            bucket=case.bucket,
            stage=Stage.SOFT_REMINDER,
            opened_on=date(2026, 11, 3),
            stage_entered_on=date(2026, 11, 3),
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()
    # a closed case does not block a new open one
    old = session.get(Case, case.id)
    assert old is not None
    old.status = CaseStatus.CLOSED
    session.commit()
    session.add(
        Case(
            account_id=case.account_id,
            customer_id=case.customer_id,
            bucket=case.bucket,
            stage=Stage.SOFT_REMINDER,
            opened_on=date(2026, 11, 4),
            stage_entered_on=date(2026, 11, 4),
        )
    )
    session.commit()
    assert len(session.exec(select(Case).where(Case.account_id == case.account_id)).all()) == 2


def test_case_version_is_an_optimistic_lock(engine: Engine) -> None:
    with Session(engine) as s:
        case_id = make_case(s).id
        s.commit()
    with Session(engine) as a, Session(engine) as b:
        ca, cb = a.get(Case, case_id), b.get(Case, case_id)
        assert ca is not None and cb is not None
        ca.owner = "li.na"
        a.commit()
        cb.owner = "wang.wei"
        with pytest.raises(sa.orm.exc.StaleDataError):
            b.commit()


def test_migrations_match_the_models(engine: Engine) -> None:
    assert not pending_migrations(engine)
    inspector = sa.inspect(engine)
    for table in SQLModel.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name


def test_autogenerate_finds_no_difference(engine: Engine) -> None:
    """The migrations build exactly the models' schema (types, indexes, constraints), on both
    backends: what `alembic revision --autogenerate` would write is empty."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
