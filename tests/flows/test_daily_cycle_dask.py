"""The daily cycle's batches on a Dask LocalCluster (prefect-dask, a development extra): the same
end as the core one batch at a time. Slow (the cluster starts its worker processes)."""

from __future__ import annotations

import pytest

from tests.conftest import require_pg
from tests.tasks.cycle_data import MONDAY
from tests.tasks.cycle_portfolio import BATCH, outcome, pg_store

pytest.importorskip("prefect_dask")


@pytest.mark.prefect
@pytest.mark.pg
def test_the_batches_run_on_a_local_dask_cluster(
    prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.daily_cycle import daily_cycle, shared_url
    from tasks.cycle.core import PolicyBundle, run_day

    monkeypatch.setenv("DUECOURSE_CYCLE_RUNNER", "dask")
    base = require_pg()
    with pg_store(base) as one, pg_store(base) as two:
        alone = run_day(one, MONDAY, PolicyBundle.load(None), batch_size=BATCH)
        summary = daily_cycle(
            as_of=MONDAY, database_url=shared_url(two), batch_size=BATCH, workers=2
        )
        assert isinstance(summary, dict) and summary["status"] == "succeeded"
        assert summary["actions"] == alone["actions"]
        assert outcome(two) == outcome(one)
