"""`policy/negotiation.yaml`: the bank's figures for promises, disputes and repayment plans.

Every figure here is the bank's policy (domain.md marks them (R)), except the one limit the law
sets: a personalised instalment plan runs at most 5 years (2011 rules Art. 70: 个性化分期还款
不超过5年), i.e. 60 monthly instalments. A file may lower it, never raise it.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rules.enums import DisputeKind, Role, Stage

# 2011 rules Art. 70 (商业银行信用卡业务监督管理办法): instalments up to 5 years.
STATUTORY_MAX_INSTALLMENTS = 60

_DEFAULT_DISPUTE_ROLES: dict[DisputeKind, Role] = {
    DisputeKind.HARDSHIP: Role.SUPERVISOR,
    DisputeKind.FORCE_MAJEURE: Role.SUPERVISOR,
    DisputeKind.DISPUTED_CHARGES: Role.LEGAL,
    DisputeKind.IDENTITY_THEFT: Role.LEGAL,
}


class PromisePolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    grace_days: int = Field(default=3, ge=0, le=30, description="days after the promised date")
    max_days_ahead: int = Field(default=30, ge=1, le=180, description="furthest promise date")


class DisputePolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decide_within_working_days: int = Field(default=10, ge=1, le=60)
    reviewer_roles: dict[DisputeKind, Role] = Field(
        default_factory=lambda: dict(_DEFAULT_DISPUTE_ROLES)
    )
    max_evidence_mb: int = Field(default=20, ge=1, le=200)

    @model_validator(mode="after")
    def _every_kind(self) -> DisputePolicy:
        missing = [k.value for k in DisputeKind if k not in self.reviewer_roles]
        if missing:
            raise ValueError(f"reviewer_roles has no role for {', '.join(missing)}")
        return self


class PlanPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_installments: int = Field(default=STATUTORY_MAX_INSTALLMENTS, ge=1)
    min_installment: Decimal = Field(default=Decimal("100"), ge=0, description="yuan")
    max_deferral_months: int = Field(default=6, ge=1, le=24)
    minimum_payment_percent: Decimal = Field(default=Decimal("10"), gt=0, le=100)
    approver_role: Role = Role.SUPERVISOR
    grace_days: int = Field(default=5, ge=0, le=30, description="after an instalment's due day")
    accrues_interest: bool = False
    accrues_fees: bool = False
    courtesy_reminder_days_before: int = Field(default=3, ge=0, le=15)
    # Where collection restarts when a plan or promise breaks (a case that came from a legal
    # stage returns to that stage instead: legal stages are sticky).
    restart_stage: Stage = Stage.FORMAL_DEMAND
    first_due_within_days: int = Field(default=45, ge=1, le=120)

    @model_validator(mode="after")
    def _statutory_limit(self) -> PlanPolicy:
        if self.max_installments > STATUTORY_MAX_INSTALLMENTS:
            raise ValueError(
                f"max_installments {self.max_installments} is over "
                f"{STATUTORY_MAX_INSTALLMENTS}: instalment plans run at most 5 years "
                "(2011 rules Art. 70)"
            )
        if self.restart_stage.is_closed:
            raise ValueError(f"restart_stage {self.restart_stage.value} is a closed outcome")
        return self


class NegotiationPolicy(BaseModel):
    """The whole file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    promise: PromisePolicy = PromisePolicy()
    dispute: DisputePolicy = DisputePolicy()
    plan: PlanPolicy = PlanPolicy()
