"""Where things live: the home folder, the database, the policy folder."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from models.db import database_url, home_dir, open_engine

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_POLICY = "DUECOURSE_POLICY_DIR"


def today() -> date:
    """Today in Asia/Shanghai: the default as-of date of every command."""
    return datetime.now(SHANGHAI).date()


def default_policy_dir(home: Path) -> Path:
    """$DUECOURSE_POLICY_DIR, else `<home>/policy` if the bank keeps one, else the shipped one."""
    if os.environ.get(ENV_POLICY):
        return Path(os.environ[ENV_POLICY]).expanduser().resolve()
    if (home / "policy").is_dir():
        return home / "policy"
    return REPO_ROOT / "policy"


@dataclass
class Settings:
    home: Path
    url: str
    policy_dir: Path
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def resolve(cls, home: str | None = None, url: str | None = None) -> Settings:
        h = home_dir(home)
        return cls(home=h, url=database_url(url, h), policy_dir=default_policy_dir(h))

    @property
    def engine(self) -> Engine:
        """The store's engine, migrated on first use."""
        if self._engine is None:
            self.home.mkdir(parents=True, exist_ok=True)
            self._engine = open_engine(self.url)
        return self._engine

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def documents_dir(self) -> Path:
        return self.home / "documents"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"
