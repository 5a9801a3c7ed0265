"""`duecourse dispatch --help` tells the truth about --at: it pretends a time of day only on a
simulated day (DUECOURSE_TODAY set); a real dispatch refuses it and sends now (it used to say
"default now, or 09:00 for another day", which a real run never does)."""

from __future__ import annotations

from tests.cli.conftest import Cli


def test_the_help_says_at_is_for_simulated_days_only(cli: Cli) -> None:
    shown = cli("dispatch", "--help")
    assert shown.code == 0, shown.err
    text = " ".join(shown.out.split())
    assert "only with DUECOURSE_TODAY set" in text
    assert "for another day" not in text
