"""prefect.yaml deploys: it parses, its entrypoints import as flows, its schedules are valid
crons in Asia/Shanghai, `prefect deploy` refuses at deploy time without DUECOURSE_ROOT, and
`duecourse serve` builds a deployment of each under its own name, with a --cron override."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from duecourse.cli.serve import PREFECT_YAML, build_deployments, read_deployments
from duecourse.prefect_env import DeployConfigError, deploy_root
from duecourse.settings import Settings
from rules.errors import InputError
from tasks.yaml_file import YamlFileError
from tests.cli.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_entrypoints_are_flows_with_shanghai_schedules() -> None:
    from prefect import Flow
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    data = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert data["name"] == "duecourse" and data["prefect-version"].startswith("3.")
    names = {d["name"] for d in data["deployments"]}
    assert names == {"daily-cycle", "deadline-check", "contact-dispatch"}
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
    # served deployments never take the names `prefect deploy` gives (prefect.yaml's): neither
    # overwrites the other's schedules, parameters or work pool
    assert [d.name for d in deployments] == [
        "daily-cycle-served",
        "deadline-check-served",
        "contact-dispatch-served",
    ]
    assert not {d.name for d in deployments} & {d.name for d in read_deployments()}
    daily = deployments[0]
    assert daily.parameters["database_url"] == s.url
    assert daily.parameters["policy_dir"] == str(s.policy_dir)
    (schedule,) = daily.schedules
    assert schedule.schedule.cron == "30 5 * * *"
    assert schedule.schedule.timezone == "Asia/Shanghai"


def test_serve_cron_overrides_replace_the_schedules(tmp_path: Path) -> None:
    s = Settings.resolve(str(tmp_path / "home"), None)
    daily, check, dispatch = build_deployments(
        s, PREFECT_YAML, crons={"daily-cycle": "*/2 * * * *"}
    )
    (schedule,) = daily.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("*/2 * * * *", "Asia/Shanghai")
    assert [x.schedule.cron for x in check.schedules] == ["0 10,14,17 * * *"]
    # the dispatch runs through the business day: once before the lawful hours (it defers what
    # the cycle planned), then every hour from 08:00 to 20:00, Beijing time
    assert [x.schedule.cron for x in dispatch.schedules] == ["30 6 * * *", "0 8-20 * * *"]
    assert {x.schedule.timezone for x in dispatch.schedules} == {"Asia/Shanghai"}


def test_serve_command_applies_cron_and_says_schedules_need_a_server(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import prefect

    served: list[object] = []
    monkeypatch.setattr(prefect, "serve", lambda *d, **kw: served.extend(d))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    out = cli(
        "serve", "--cron", "*/2 * * * *", "--cron-check", "*/5 * * * *",
        "--cron-dispatch", "*/3 * * * *",
    )  # fmt: skip
    assert out.code == 0, out.err
    crons = {d.name: [x.schedule.cron for x in d.schedules] for d in served}  # type: ignore[attr-defined]
    assert crons == {
        "daily-cycle-served": ["*/2 * * * *"],
        "deadline-check-served": ["*/5 * * * *"],
        "contact-dispatch-served": ["*/3 * * * *"],
    }
    assert "PREFECT_API_URL is not set" in out.err and "only as long as" in out.err
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert "PREFECT_API_URL" not in cli("serve").err
    bad = cli("serve", "--cron-daily", "every morning")
    assert bad.code == 2 and bad.err.startswith("duecourse: --cron-daily: 'every morning'")


def test_prefect_deploy_checks_duecourse_root_at_deploy_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Regression (issue 16): without DUECOURSE_ROOT, `prefect deploy` succeeded and every run
    then failed on the worker. The build step refuses; its output is the pull step's folder."""
    data = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (build,) = data["build"]
    assert build == {"duecourse.prefect_env.deploy_root": {"id": "root"}}
    (pull,) = data["pull"]
    assert pull["prefect.deployments.steps.set_working_directory"]["directory"] == (
        "{{ root.duecourse_root }}"
    )
    monkeypatch.delenv("DUECOURSE_ROOT", raising=False)
    with pytest.raises(
        DeployConfigError, match=r"^duecourse: DUECOURSE_ROOT is not set: deploy with"
    ):
        deploy_root()
    monkeypatch.setenv("DUECOURSE_ROOT", str(tmp_path))
    with pytest.raises(DeployConfigError, match="is not a Duecourse checkout"):
        deploy_root()
    monkeypatch.setenv("DUECOURSE_ROOT", str(ROOT))
    assert deploy_root() == {"duecourse_root": str(ROOT)}


def test_a_broken_prefect_yaml_is_one_line_per_problem_at_its_line(tmp_path: Path) -> None:
    """prefect.yaml is read by the one YAML loader into a typed model: before, a schedule
    without `cron` was a KeyError and a bad cron a Prefect traceback while building."""
    text = (ROOT / "prefect.yaml").read_text(encoding="utf-8")
    text = text.replace("entrypoint: flows/deadline_check.py:deadline_check", "entrypoint: nowhere")
    text = text.replace('- cron: "30 5 * * *"', '- crn: "30 5 * * *"')
    text = text.replace('- cron: "0 10,14,17 * * *"', '- cron: "0 25 * * *"')
    path = tmp_path / "prefect.yaml"
    path.write_text(text, encoding="utf-8")

    def line(needle: str) -> int:
        return text[: text.index(needle)].count("\n") + 1

    with pytest.raises(YamlFileError) as caught:
        read_deployments(path)
    found = [(p.line, p.message) for p in caught.value.problems]
    assert found == [
        (line("crn:"), "missing key 'cron'"),
        (line("entrypoint: nowhere"), "deployments[1].entrypoint: String should match pattern "
                                      "'^[^:]+\\.py:[A-Za-z_]\\w*$'"),
        (line('- cron: "0 25'), "deployments[1].schedules[0]: cron '0 25 * * *' with time zone "
                                "'Asia/Shanghai' is not a valid schedule"),
    ]  # fmt: skip
    s = Settings.resolve(str(tmp_path / "home"), None)
    with pytest.raises(InputError, match=rf"^{path}:{line('crn:')}: missing key 'cron' \(and 2"):
        build_deployments(s, path)
