"""The environment, read once through pydantic-settings: option > environment > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from duecourse.settings import Settings
from models.db import EnvSettings, database_url, env_settings, home_dir
from rules.errors import DuecourseError
from tasks.policy import SHIPPED_POLICY_DIR

VARIABLES = ("DUECOURSE_HOME", "DUECOURSE_DATABASE_URL", "DUECOURSE_POLICY_DIR")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_without_any_variable(tmp_path: Path) -> None:
    env = EnvSettings()
    assert (env.home, env.database_url, env.policy_dir) == (Path(".duecourse"), None, None)
    s = Settings.resolve()
    assert s.home == tmp_path / ".duecourse"
    assert s.url == f"sqlite:///{tmp_path / '.duecourse' / 'duecourse.sqlite'}"
    assert s.policy_dir == SHIPPED_POLICY_DIR


def test_the_environment_beats_the_default_and_the_option_beats_both(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DUECOURSE_HOME", str(tmp_path / "env-home"))
    monkeypatch.setenv("DUECOURSE_DATABASE_URL", "postgresql+psycopg://u@db/env")
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(tmp_path / "env-policy"))
    assert home_dir() == tmp_path / "env-home"
    assert home_dir("opt-home") == tmp_path / "opt-home"
    assert database_url() == "postgresql+psycopg://u@db/env"
    assert database_url("sqlite:///opt.sqlite") == "sqlite:///opt.sqlite"
    s = Settings.resolve(str(tmp_path / "opt-home"), None)
    assert s.home == tmp_path / "opt-home" and s.url.endswith("@db/env")
    assert s.policy_dir == tmp_path / "env-policy"


def test_an_empty_variable_is_unset_and_a_tilde_is_the_user_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DUECOURSE_HOME", "")
    monkeypatch.setenv("DUECOURSE_DATABASE_URL", "")
    assert home_dir() == tmp_path / ".duecourse"
    assert database_url() == f"sqlite:///{tmp_path / '.duecourse' / 'duecourse.sqlite'}"
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    monkeypatch.setenv("DUECOURSE_HOME", "~/dc")
    assert home_dir() == tmp_path / "me" / "dc"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "DUECOURSE_CYCLE_WORKERS",
            "abc",
            "DUECOURSE_CYCLE_WORKERS: input should be a valid integer",
        ),
        ("DUECOURSE_CYCLE_WORKERS", "0", "DUECOURSE_CYCLE_WORKERS: input should be greater than"),
        (
            "DUECOURSE_CYCLE_RUNNER",
            "gpu",
            "DUECOURSE_CYCLE_RUNNER: input should be 'threads' or 'dask'",
        ),
        (
            "DUECOURSE_SHARED_GROUP",
            "maybe",
            "DUECOURSE_SHARED_GROUP: input should be a valid boolean",
        ),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(DuecourseError) as caught:
        env_settings()
    assert str(caught.value).startswith(says)
    assert "\n" not in str(caught.value)
