"""Secrets stay secret (issue 13 item 10): a database password given as a query parameter
(`?password=`, `sslpassword`, `pass`, `passwd`, `pwd`) is hidden like the `user:password@` form
in errors, in the flows' parameters, in served deployments and in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlalchemy as sa

from duecourse.cli.serve import build_deployments
from duecourse.prefect_yaml import PREFECT_YAML
from duecourse.settings import Settings, shown_url
from tasks.log_masking import install_masking
from tests.cli.conftest import Cli

NOWHERE = "postgresql+psycopg://clerk@127.0.0.1:1/duecourse"
SECRET_URLS = [
    f"{NOWHERE}?password=hunter2",
    f"{NOWHERE}?sslmode=prefer&sslpassword=hunter2",
    f"{NOWHERE}?pwd=hunter2",
    "postgresql+psycopg://clerk:hunter2@127.0.0.1:1/duecourse?passwd=hunter2&pass=hunter2",
]


@pytest.mark.parametrize("url", SECRET_URLS)
def test_a_query_password_is_hidden_in_the_error(cli: Cli, url: str) -> None:
    """Before: `?password=hunter2` was printed in the one-line error as given."""
    out = cli("--database-url", url, "cases")
    assert out.code == 1
    assert out.err.startswith("duecourse: cannot open the database postgresql+psycopg://clerk")
    assert "hunter2" not in out.err and "=***" in out.err


@pytest.mark.parametrize("url", SECRET_URLS)
def test_shown_url_and_the_flows_shared_url_hide_it(url: str) -> None:
    from flows.daily_cycle import engine_for, shared_url

    assert "hunter2" not in shown_url(url)
    engine = sa.create_engine(url)  # nothing is connected: the URL only
    key = shared_url(engine)
    assert "hunter2" not in key and "***" in key
    assert engine_for(key) is engine  # the flow finds the engine by the hidden URL


def test_a_served_deployment_leaves_a_query_password_out(tmp_path: Path) -> None:
    s = Settings.resolve(str(tmp_path / "home"), f"{NOWHERE}?password=hunter2")
    for deployment in build_deployments(s, PREFECT_YAML):
        assert deployment.parameters["database_url"] is None
        assert "hunter2" not in repr(deployment.parameters)


def test_a_log_record_hides_it(caplog: pytest.LogCaptureFixture) -> None:
    install_masking()
    with caplog.at_level(logging.WARNING):
        logging.getLogger("duecourse.test").warning("store %s down", f"{NOWHERE}?password=hunter2")
    assert "hunter2" not in caplog.text and "password=***" in caplog.text
