"""Repayment plans (个性化分期还款, 2011 rules Art. 70) and their instalments.

A plan is proposed by one person (`proposed_by`) and approved by another of the policy's role
(maker-checker, through a review of kind `plan`). Its instalments sum exactly, in fen, to the
amount the plan covers. The daily cycle keeps it: an instalment paid in time keeps it `current`,
one missed beyond the grace period makes it `broken`, the last one paid makes it `completed`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.types import Money, UTCDateTime, enum_column, utcnow
from rules.enums import InstallmentStatus, PlanKind, PlanStatus


class RepaymentPlan(SQLModel, table=True):
    __tablename__ = "repayment_plan"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="collection_case.id", index=True)
    kind: PlanKind = Field(sa_column=enum_column(PlanKind, nullable=False))
    status: PlanStatus = Field(
        default=PlanStatus.PROPOSED, sa_column=enum_column(PlanStatus, nullable=False, index=True)
    )
    balance: Decimal = Field(sa_type=Money, description="what the case owed when proposed")
    total: Decimal = Field(sa_type=Money, description="what the schedule collects (sum of it)")
    waived_fees: Decimal = Field(default=Decimal("0"), sa_type=Money)
    months: int
    first_due: date
    accrues_interest: bool = False
    accrues_fees: bool = False
    proposed_by: str = Field(max_length=64)
    proposed_on: date
    review_id: int | None = Field(default=None, foreign_key="review.id")
    decided_by: str | None = Field(default=None, max_length=64)
    decided_on: date | None = None
    ended_on: date | None = None
    reason: str | None = None
    note: str | None = None
    policy_version: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlanInstallment(SQLModel, table=True):
    __tablename__ = "plan_installment"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "seq", name="uq_plan_installment_seq"),
        sa.Index("ix_plan_installment_status_due", "status", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="repayment_plan.id")
    seq: int = Field(description="1 for the first instalment")
    due_on: date
    amount: Decimal = Field(sa_type=Money)
    paid: Decimal = Field(default=Decimal("0"), sa_type=Money)
    paid_on: date | None = None
    status: InstallmentStatus = Field(
        default=InstallmentStatus.DUE, sa_column=enum_column(InstallmentStatus, nullable=False)
    )
