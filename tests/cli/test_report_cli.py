"""`duecourse report`: the numbers as JSON, HTML and PDF with their charts, markdown on stdout,
`--as-of` as another name for `--to`, and one-line refusals (bad date, html/pdf without --out,
a day after today, an --out that cannot be written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from models.db import make_engine, upgrade
from tests.cli.conftest import Cli
from tests.tasks.report_data import build

PERIOD = ("--from", "2026-11-01", "--to", "2026-11-03")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-03")
    home = tmp_path / "home"
    home.mkdir()
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    upgrade(engine)
    build(engine)
    engine.dispose()
    return home


def test_json_gives_the_numbers(cli: Cli, home: Path) -> None:
    out = cli("report", *PERIOD, "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert data["period"] == {"from": "2026-11-01", "to": "2026-11-03", "days": 3}
    assert data["cases"]["open_in_period"] == 7 and data["cases"]["closed_cured"] == 1
    assert data["promise_kept_rate"]["rate"] is None  # no promise closed: no rate, not 0%
    assert data["roll_rates"]["counts"]["M1"] == {"M1": 2, "M0": 1, "M2": 1}
    assert (data["sla"]["met"], data["sla"]["missed"]) == (4, 3)
    # the shipped (demo) roster knows none of the fixture's owners: no capacity to be over
    assert data["workload"]["over_capacity"] == []
    assert data["workload"]["owners_not_in_roster"] == ["ghost", "legal1", "w1"]
    assert data["balance_change"]["net_reduction"] == "99.50"


def test_as_of_is_to_and_the_default_period_is_30_days(cli: Cli, home: Path) -> None:
    data = json.loads(cli("report", "--as-of", "2026-11-02", "--json").out)
    assert data["period"] == {"from": "2026-10-03", "to": "2026-11-02", "days": 31}
    assert json.loads(cli("report", "--json").out)["period"]["to"] == "2026-11-03"


def test_html_and_pdf_with_their_charts(cli: Cli, home: Path, tmp_path: Path) -> None:
    html_file = tmp_path / "out" / "kpi.html"
    out = cli("report", *PERIOD, "--out", str(html_file))  # format from the suffix
    assert out.code == 0, out.err
    assert out.out.strip().startswith("KPI report 2026-11-01 to 2026-11-03 (html,")
    html = html_file.read_text(encoding="utf-8")
    assert html.count("<svg ") == 5 and "not yet recorded" in html
    pdf_file = tmp_path / "kpi.pdf"
    out = cli("report", *PERIOD, "--format", "pdf", "--out", str(pdf_file), "--json")
    assert out.code == 0, out.err
    assert json.loads(out.out)["ageing"]["open_cases"] == 6  # --json: the numbers on stdout
    assert pdf_file.read_bytes().startswith(b"%PDF")
    assert out.err == ""  # no WeasyPrint warnings about the inline SVG


def test_markdown_on_stdout_by_default(cli: Cli, home: Path) -> None:
    engine = make_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    with engine.begin() as conn:  # an owner name carrying a terminal escape (clear screen)
        conn.execute(sa.text("UPDATE collection_case SET owner = :o WHERE owner = 'ghost'"),
                     {"o": "gh\x1b[2Jost"})  # fmt: skip
    engine.dispose()
    out = cli("report", *PERIOD)
    assert "\x1b" not in out.out and "gh[2Jost" in out.out
    assert out.code == 0
    assert out.out.startswith("# Collections KPI report 2026-11-01 to 2026-11-03 (3 days)")
    assert "| promise-kept rate | - |" in out.out  # none closed: no rate, never 0%
    assert "no daily cycle has run yet; ages counted to 2026-11-03" in out.out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--from", "2026-11-31"), 2, "--from: '2026-11-31' is not a date (expected YYYY-MM-DD)"),
        (("--format", "pdf"), 2, "--format pdf needs --out FILE (it is not for a terminal)"),
        (("--format", "html", "--json"), 2, "--format html needs --out FILE"),
        (("--format", "xls"), 2, "--format: unknown value 'xls' (one of: html, pdf, md, json)"),
        (("--to", "2026-11-04"), 2, "--to 2026-11-04 is after today (2026-11-03)"),
        (("--from", "2026-11-03", "--to", "2026-11-01"), 2, "--from 2026-11-03 is after --to"),
        (("--as-of", "2026-11-01", "--to", "2026-11-02"), 2, "--as-of is another name for --to"),
    ],
)
def test_refusals_are_one_line(
    cli: Cli, home: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    out = cli("report", *args)
    assert out.code == code
    assert out.out == ""
    assert len(out.err.strip().splitlines()) == 1 and message in out.err


def test_an_out_that_cannot_be_written_is_one_line(cli: Cli, home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = cli("report", *PERIOD, "--out", str(blocker / "kpi.md"))
    assert out.code == 1
    assert out.err.strip().startswith(f"duecourse: --out {blocker / 'kpi.md'}: cannot write (")
    assert len(out.err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("**/.kpi.md.*.tmp"))
