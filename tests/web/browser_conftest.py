"""What the browser tests stand on: a home whose pending legal reviews come from the real daily
cycle, the web console served by uvicorn in a thread on a free port, and Debian's Chromium driven
by Playwright.

Not a conftest.py (W1's tests/web/conftest.py is the shared one): test_browser.py imports these
fixtures by name. The browser is skipped, with the reason, only when /usr/bin/chromium is missing
and DUECOURSE_REQUIRE_BROWSER is unset; CI sets it, and then a missing browser fails the run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from duecourse.settings import REPO_ROOT, Settings
from models.db import make_engine, upgrade
from rules.enums import Stage
from tasks.cycle.days import run_days_core
from tests.factories import deliver_demand, make_case

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
DAY = date(2026, 11, 2)  # the cycle that asks for the reviews
NEXT_DAY = date(2026, 11, 3)  # "today" while the tests decide, and the next cycle
LEGAL = "demo.xulawyer"
PASSWORD = "correct horse battery"  # >= 10 characters (tasks/credentials.py)
# A debtor name that would run script if a page put it in the HTML unescaped.
HOSTILE = '<img src=x onerror="alert(1)">"><script>alert(2)</script>'
PRINCIPAL = "23456.78"  # the reviewed case's balance: 23,456.78 + 800.00 + 50.00 = 24,306.78
BALANCE = "24,306.78"


@dataclass
class Home:
    """The test home: its settings and engine, and the ids the tests open."""

    settings: Settings
    engine: Engine
    review_id: int  # the pending lawyer's-letter review of the case below
    case_id: int
    hostile_review_id: int  # the pending review of the hostile debtor's case
    hostile_case_id: int

    def case_owner(self, case_id: int) -> str:
        with self.engine.connect() as conn:
            owner = conn.execute(
                sa.text("SELECT owner FROM collection_case WHERE id = :i"), {"i": case_id}
            ).scalar_one()
        return str(owner)

    def review(self, review_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT * FROM review WHERE id = :i"), {"i": review_id}
            ).one()
        return dict(row._mapping)

    def stage(self, case_id: int) -> str:
        with self.engine.connect() as conn:
            stage = conn.execute(
                sa.text("SELECT stage FROM collection_case WHERE id = :i"), {"i": case_id}
            ).scalar_one()
        return str(stage)


def seed_home(home: Path) -> Home:
    """Three open cases (one of them owed by a debtor with a hostile name), the daily cycle of
    DAY run over them (it opens the legal reviews and assigns owners), and a password for the
    legal user. DUECOURSE_TODAY must already be pinned (the caller's monkeypatch)."""
    from tasks.credentials import set_password

    home.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{home / 'duecourse.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as s:
        make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, as_of=DAY)
        case = make_case(s, dpd=120, stage=Stage.FORMAL_DEMAND, as_of=DAY, principal=PRINCIPAL)
        hostile = make_case(s, dpd=130, stage=Stage.FORMAL_DEMAND, as_of=DAY, name=HOSTILE)
        deliver_demand(s, case.id)  # going legal needs a delivered written demand
        deliver_demand(s, hostile.id)
        s.commit()
        case_id, hostile_id = int(case.id or 0), int(hostile.id or 0)
    run_days_core(engine, DAY, policy_dir=REPO_ROOT / "policy")
    with engine.connect() as conn:
        pending = conn.execute(sa.text("SELECT case_id, id FROM review WHERE status = 'pending'"))
        reviews: dict[int, int] = {int(c): int(r) for c, r in pending}
    assert set(reviews) == {case_id, hostile_id}, reviews  # the cycle asked for both
    with Session(engine) as s:
        set_password(s, LEGAL, PASSWORD)
        s.commit()
    settings = Settings(home=home, url=url, policy_dir=REPO_ROOT / "policy")
    return Home(settings, engine, reviews[case_id], case_id, reviews[hostile_id], hostile_id)


def set_password_for(home: Home, user: str) -> None:
    from tasks.credentials import set_password

    with Session(home.engine) as s:
        set_password(s, user, PASSWORD)
        s.commit()


def next_cycle(home: Home) -> dict[str, Any]:
    """The daily cycle of NEXT_DAY, as the scheduled run would do it."""
    (summary,) = run_days_core(home.engine, NEXT_DAY, policy_dir=home.settings.policy_dir)
    return summary


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on a free loopback port; yields the base URL.
    The socket is bound here, so no other process can take the port between choosing it and
    serving; access logs are off (they would only say ids, but tests keep the output quiet)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web console did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def browser_or_skip() -> None:
    """Skip (with the reason) when there is no browser to drive, unless CI requires one."""
    required = bool(os.environ.get("DUECOURSE_REQUIRE_BROWSER"))
    if not CHROMIUM.exists():
        why = f"{CHROMIUM} is missing (apt-get install chromium; bash scripts/dev.sh setup)"
        if required:
            pytest.fail(f"{why} and DUECOURSE_REQUIRE_BROWSER is set")
        pytest.skip(why)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        if required:
            pytest.fail(f"playwright is not installed ({exc}) and DUECOURSE_REQUIRE_BROWSER is set")
        pytest.skip(f"playwright is not installed: {exc}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once for the module's tests (each test opens its
    own context: its own cookies)."""
    browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    """A fresh home per test (the rate limit counts failures in the store: a test that trips
    it must not lock the next one out), with "today" pinned to the day after the cycle."""
    for var in ("DUECOURSE_POLICY_DIR", "DUECOURSE_DATABASE_URL", "DUECOURSE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DUECOURSE_TODAY", NEXT_DAY.isoformat())
    made = seed_home(tmp_path / "home")
    yield made
    made.engine.dispose()


@pytest.fixture
def base_url(home: Home) -> Iterator[str]:
    """The console over `home`, served live."""
    from duecourse.web import create_app

    app = create_app(home.settings, secret="browser-tests-secret-" + "x" * 16)
    with live_server(app) as url:
        yield url


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: $DUECOURSE_SCREENSHOTS (CI keeps it as an artifact), else the
    test's temporary folder."""
    folder = Path(os.environ.get("DUECOURSE_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def render_letter(home: Home, case_id: int) -> dict[str, Any]:
    """A collection letter for the case, rendered by `duecourse documents render` as a user
    would (its own process, dated "today"); the stored document's row."""
    import subprocess
    import sys

    script = Path(sys.executable).parent / "duecourse"  # the console script, in the venv
    args = ["--home", str(home.settings.home), "documents", "render", "collection_letter"]
    subprocess.run(
        [str(script), *args, "--case", str(case_id)],
        check=True,
        capture_output=True,
        env={**os.environ, "DUECOURSE_TODAY": NEXT_DAY.isoformat()},
        timeout=180,
    )
    with home.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT * FROM document WHERE case_id = :c AND format = 'pdf'"), {"c": case_id}
        ).one()
    return dict(row._mapping)
