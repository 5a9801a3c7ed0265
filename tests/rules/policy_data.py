"""Test helpers: the shipped policy as plain data, and building a Policy from (edited) data."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter

from rules.buckets import scheme_from_data
from rules.policy import Policy, RiskPolicy, StageDef
from rules.roster import Roster, User

SHIPPED = Path(__file__).resolve().parents[2] / "policy"
_cache: dict[str, Any] = {}


def shipped(name: str) -> Any:
    """A deep copy of policy/<name>.yaml as data (safe to edit)."""
    if name not in _cache:
        _cache[name] = yaml.safe_load((SHIPPED / f"{name}.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(_cache[name])


def stage_data(ladder: dict[str, Any], stage: str) -> dict[str, Any]:
    for s in ladder["stages"]:
        if s["stage"] == stage:
            return s  # type: ignore[no-any-return]
    raise KeyError(stage)


def build(
    ladder: dict[str, Any] | None = None,
    risk: dict[str, Any] | None = None,
    buckets: dict[str, Any] | None = None,
) -> Policy:
    ladder = ladder if ladder is not None else shipped("ladder")
    stages = TypeAdapter(list[StageDef]).validate_python(ladder["stages"])
    return Policy.build(
        stages,
        RiskPolicy.model_validate(risk if risk is not None else shipped("risk")),
        scheme_from_data(buckets if buckets is not None else shipped("buckets")),
        ladder.get("label", ""),
    )


def roster() -> list[User]:
    return list(Roster.model_validate(shipped("roster")).users)
