"""prefect.yaml deploys: it parses, its entrypoints import as flows, its schedules are valid
crons in Asia/Shanghai, and `duecourse serve` builds a deployment of each."""

from __future__ import annotations

from pathlib import Path

import yaml

from duecourse.cli.serve import PREFECT_YAML, build_deployments, read_deployments
from duecourse.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_entrypoints_are_flows_with_shanghai_schedules() -> None:
    from prefect import Flow
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    data = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert data["name"] == "duecourse" and data["prefect-version"].startswith("3.")
    names = {d["name"] for d in data["deployments"]}
    assert names == {"daily-cycle", "deadline-check"}
    for d in data["deployments"]:
        flow = load_flow_from_entrypoint(str(ROOT / d["entrypoint"]))
        assert isinstance(flow, Flow)
        assert set(flow.parameters.properties) >= {"as_of", "database_url", "policy_dir"}
        for sched in d["schedules"]:
            parsed = CronSchedule(cron=sched["cron"], timezone=sched["timezone"])
            assert parsed.timezone == "Asia/Shanghai"
        assert d["work_pool"]["name"] == "duecourse"


def test_serve_builds_both_deployments_with_the_store_as_parameters(tmp_path: Path) -> None:
    s = Settings.resolve(str(tmp_path / "home"), None)
    deployments = build_deployments(s, PREFECT_YAML)
    assert [d.name for d in deployments] == [d["name"] for d in read_deployments()]
    daily = deployments[0]
    assert daily.parameters["database_url"] == s.url
    assert daily.parameters["policy_dir"] == str(s.policy_dir)
    (schedule,) = daily.schedules
    assert schedule.schedule.cron == "30 5 * * *"
    assert schedule.schedule.timezone == "Asia/Shanghai"
