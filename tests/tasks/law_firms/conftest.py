"""Law-firm tests: 'today' pinned a week after the factories' snapshot day."""

from __future__ import annotations

from datetime import date

import pytest

TODAY = date(2026, 11, 10)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", TODAY.isoformat())
