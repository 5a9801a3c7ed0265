"""The owners' open-case loads a run's batches share (`CycleContext.loads`).

On PostgreSQL the batches of a run may run at once (flows/daily_cycle.py: threads, or Dask
workers in other processes). Each batch therefore counts the owners it assigns on its own copy
of the loads, taken when it starts; what it counted is added to the run's loads only once its
transaction has committed, under the run's lock. A batch that fails leaves the run's loads as
they were, whatever other batches counted meanwhile. With one batch at a time this is exactly
the sequential count; with N at once a batch does not see the owners the (at most N - 1) batches
still running are assigning, so the balance between owners is as of its start.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from tasks.cycle.context import CycleContext


def own_loads(ctx: CycleContext) -> CycleContext:
    """`ctx` for one batch: the same run, policy and counts, its own copy of the owners' loads."""
    view = copy.copy(ctx)
    view.loads = dict(ctx.loads)
    return view


def loads_delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """What changed per owner from `before` to `after` (owners without change left out)."""
    names = before.keys() | after.keys()
    return {n: d for n in sorted(names) if (d := after.get(n, 0) - before.get(n, 0))}


def add_loads(loads: dict[str, int], delta: Mapping[str, int]) -> None:
    """A committed batch's `delta` counted on the run's `loads` (never below zero, as the
    evaluator counts)."""
    for name, n in delta.items():
        loads[name] = max(0, loads.get(name, 0) + n)
