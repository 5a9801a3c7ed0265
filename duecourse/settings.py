"""Where things live: the home folder, the database, the policy folder.

Each is the command's option, else its environment variable, else the default: the variables are
read once, through pydantic-settings (`models.db.EnvSettings`), and the policy folder is chosen
by the same function the flows use (`tasks.policy_dir.resolve_policy_dir`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from models.db import database_url, home_dir, new_files_umask, open_engine
from rules.errors import DuecourseError
from rules.masking import hide_secrets
from tasks.policy_dir import resolve_policy_dir

REPO_ROOT = Path(__file__).resolve().parent.parent


def shown_url(url: str) -> str:
    """The database URL as printed: its password hidden in every form (`user:***@`,
    `?password=***`, `sslpassword`, `pass`, `passwd`, `pwd`: rules.masking.hide_secrets)."""
    try:
        return hide_secrets(sa.engine.make_url(url).render_as_string(hide_password=True))
    except sa.exc.ArgumentError:
        return "(unparseable URL)"


@contextmanager
def opening_database(url: str) -> Iterator[None]:
    """Turn a database that cannot be opened (bad URL, unknown driver, unreachable server)
    into one line for people, with the password hidden (in the reason too)."""
    try:
        yield
    except (sa.exc.SQLAlchemyError, ImportError, OSError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        reason = hide_secrets(reason.replace(url, shown_url(url)))
        raise DuecourseError(f"cannot open the database {shown_url(url)}: {reason}") from None


@dataclass
class Settings:
    home: Path
    url: str
    policy_dir: Path
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def resolve(cls, home: str | None = None, url: str | None = None) -> Settings:
        """Option, else environment, else default, for each of home, database and policy."""
        h = home_dir(home)
        return cls(home=h, url=database_url(url, h), policy_dir=resolve_policy_dir(h))

    def make_home(self) -> None:
        """Create the home folder (0700, or 0750 with DUECOURSE_SHARED_GROUP=1, whatever the
        umask); one that cannot be made is one line for people."""
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o777 & ~new_files_umask())
        except OSError as exc:
            raise DuecourseError(
                f"--home {self.home}: cannot create the folder ({exc.strerror or exc})"
            ) from None

    @property
    def engine(self) -> Engine:
        """The store's engine, migrated on first use."""
        if self._engine is None:
            self.make_home()
            with opening_database(self.url):
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
