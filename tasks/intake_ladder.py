"""The stage a new case opens in, as an SQL CASE for the staged intake, from the bucket scheme
and the ladder's entry conditions compiled by rules/entry_sql.py (the rules of
rules/case_rules.py `opening_stage`, asked once per stage rather than once per row).

A new case has no risk tier and no recorded event yet, so an entry condition that asks for
either never matches it; the rest (buckets, DPD and balance bounds) become SQL."""

from __future__ import annotations

from rules.case_rules import opening_stage_for_target
from rules.entry_sql import bucket_case, entry_sql, lit
from rules.policy import Policy

__all__ = ["bucket_case", "opening_case"]


def opening_case(policy: Policy, bucket: str, dpd: str, balance_fen: str) -> str:
    """CASE giving the stage a new case opens in: the first entry stage (ladder order) whose
    condition matches, mapped through `opening_stage_for_target`."""
    whens = []
    for stage in policy.entry_stages():
        assert stage.entry is not None
        test = entry_sql(stage.entry, bucket=bucket, dpd=dpd, balance_fen=balance_fen)
        if test is not None:
            opens = opening_stage_for_target(policy, stage.stage).value
            whens.append(f"WHEN {test} THEN {lit(opens)}")
    otherwise = lit(opening_stage_for_target(policy, None).value)
    return f"(CASE {' '.join(whens)} ELSE {otherwise} END)" if whens else otherwise
