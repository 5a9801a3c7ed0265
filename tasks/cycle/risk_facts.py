"""Risk scoring of a case row read as columns (fen integers) with the policy's rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rules.policy import RiskPolicy
from rules.risk import RiskResult, risk_facts, score_risk
from tasks.cycle.read import CaseRow


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen).scaleb(-2)


def risk_for(row: CaseRow, risk: RiskPolicy, as_of: date) -> RiskResult:
    """Tier, points and reasons for one case row. Contactable: a phone or an email on file."""
    facts = risk_facts(
        as_of=as_of,
        principal=Decimal(row.principal).scaleb(-2),
        interest=Decimal(row.interest).scaleb(-2),
        fees=Decimal(row.fees).scaleb(-2),
        dpd=row.dpd,
        credit_limit=_yuan(row.credit_limit) or None,
        last_payment_date=row.last_payment_date,
        last_payment_amount=_yuan(row.last_payment_amount),
        contactable=bool(row.phone or row.email),
    )
    return score_risk(facts, risk)
