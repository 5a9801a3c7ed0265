from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import Session

from models import TimelineEvent
from models.db import open_engine
from models.document import Document
from models.review import Review
from rules.enums import ReviewStatus, Role, Stage
from tests.cli.conftest import Cli
from tests.factories import make_case, snapshot_row, write_snapshot


def _load(cli: Cli, tmp_path: Path) -> None:
    rows = [
        snapshot_row(account_id="A1", customer_id="C1", days_past_due="0", due_date="2026-11-09"),
        snapshot_row(account_id="A2", customer_id="C2", days_past_due="95", name="王<b>&测"),
    ]
    out = cli("import", str(write_snapshot(tmp_path / "s.csv", rows)), "--as-of", "2026-11-02")
    assert out.code == 0, out.err


def test_cases_json_lists_ids_and_filters(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    data = json.loads(cli("cases", "--json").out)
    assert data["total"] == 2
    assert {c["account_id"] for c in data["cases"]} == {"A1", "A2"}
    assert all(isinstance(c["id"], int) for c in data["cases"])
    m0 = json.loads(cli("cases", "--bucket", "M0", "--json").out)
    assert [c["account_id"] for c in m0["cases"]] == ["A1"]
    bad = cli("cases", "--stage", "nowhere")
    assert bad.code == 2 and "unknown value 'nowhere'" in bad.err


def test_case_file_is_masked_and_complete(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    out = cli("case", "A2", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    for key in ("id", "account_id", "bucket", "stage", "risk", "owner", "balances"):
        assert key in data
    for key in ("milestones", "contacts", "documents", "plans", "timeline"):
        assert isinstance(data[key], list)
    assert data["bucket"] == "M4" and data["debtor"]["name"] == "王<b>&测"
    assert data["balances"][0]["days_past_due"] == 95
    text = out.out
    assert "110105197102228132" not in text and "1101**********8132" in text
    assert "13812345678" not in text and "138****5678" in text
    assert "6225880123456789" not in text and "6225 **** **** 6789" in text
    assert "文三路100号" not in text
    same = json.loads(cli("case", str(data["id"]), "--json").out)
    assert same["account_id"] == "A2"
    human = cli("case", "A2")
    assert (
        human.code == 0
        and "1101**********8132" in human.out
        and "110105197102228132" not in human.out
    )


def test_unknown_case_is_one_line_exit_1(cli: Cli, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    out = cli("case", "99999")
    assert out.code == 1
    assert out.err.strip() == "duecourse: no case with id or account '99999'"
    huge = cli("case", "99999999999999999999")  # beyond any row id: no OverflowError
    assert huge.code == 1
    assert huge.err.strip() == "duecourse: no case with id or account '99999999999999999999'"
    assert cli("case", "²").code == 1  # a digit to str.isdigit, not to int()


def test_names_and_ids_with_brackets_are_shown_as_given(cli: Cli, tmp_path: Path) -> None:
    rows = [
        snapshot_row(account_id="A[/]1", customer_id="C1", name="Li [jr]"),
        snapshot_row(account_id="A2", customer_id="C2", name="王[/]五"),
        snapshot_row(account_id="A3\\", customer_id="C3", name="路\\"),
    ]
    out = cli("import", str(write_snapshot(tmp_path / "s.csv", rows)), "--as-of", "2026-11-02")
    assert out.code == 0, out.err
    listed = cli("cases")
    assert listed.code == 0, listed.err
    assert "Li [jr]" in listed.out and "王[/]五" in listed.out and "A[/]1" in listed.out
    shown = cli("case", "A[/]1")
    assert shown.code == 0, shown.err
    assert "account A[/]1" in shown.out and "debtor Li [jr]" in shown.out
    assert "路\\ " in listed.out and "A3\\ " in listed.out  # a backslash is not doubled
    assert "account A3\\ " in cli("case", "A3\\").out


def test_a_database_url_pointing_nowhere_is_one_line_with_the_password_hidden(cli: Cli) -> None:
    for url in (
        "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/duecourse",
        "nosuchdb://x",
        "not a url",
    ):
        for args in (("cases", "--json"), ("db", "upgrade")):
            out = cli("--database-url", url, *args)
            assert out.code == 1, out.err
            assert out.out == ""
            lines = out.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("duecourse: cannot open the database")
            assert "s3cret" not in out.err


def test_a_home_that_cannot_be_created_is_one_line(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    for args in (("cases", "--json"), ("db", "upgrade")):
        out = cli(*args, home_dir=blocker / "home")
        assert out.code == 1 and out.out == ""
        assert out.err.count("\n") == 1 and "cannot create the folder" in out.err, out.err


def test_cases_say_how_many_are_shown_when_the_limit_stops_them(cli: Cli, tmp_path: Path) -> None:
    rows = [
        snapshot_row(account_id=f"A{i}", customer_id=f"C{i}", days_past_due=str(30 + i))
        for i in range(3)
    ]
    out = cli("import", str(write_snapshot(tmp_path / "s.csv", rows)), "--as-of", "2026-11-02")
    assert out.code == 0, out.err
    cut = json.loads(cli("cases", "--limit", "2", "--json").out)
    assert (cut["total"], cut["count"], cut["shown"], cut["truncated"]) == (3, 2, 2, True)
    assert len(cut["cases"]) == 2
    whole = json.loads(cli("cases", "--json").out)
    assert (whole["total"], whole["shown"], whole["truncated"]) == (3, 3, False)
    human = cli("cases", "--limit", "2")
    assert human.code == 0 and "2 of 3 shown" in human.out and "--limit 2" in human.out
    assert "shown" not in cli("cases").out


def _case_with_times(home: Path) -> int:
    """A case with a review decided, a document and a timeline line, each stored at a UTC
    moment that is already the next day in Shanghai."""
    engine = open_engine(f"sqlite:///{home}/duecourse.sqlite")
    with Session(engine) as s:
        case = make_case(s, dpd=120)
        assert case.id is not None
        s.add(
            Review(
                case_id=case.id, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
                opened_on=date(2026, 11, 2), key="k1", policy_version="v1",
                status=ReviewStatus.APPROVED, decided_by="demo.xulawyer",
                decided_at=datetime(2026, 11, 2, 17, 0, tzinfo=UTC),
            )
        )  # fmt: skip
        s.add(
            Document(
                case_id=case.id, kind="collection_letter", number="CL-2026-000001",
                format="pdf", as_of=date(2026, 11, 2), path="x.pdf", sha256="0" * 64,
                template="t.html", template_version=1, data="{}", idempotency_key="k",
                rendered_at=datetime(2026, 11, 2, 23, 5, tzinfo=UTC),
            )
        )  # fmt: skip
        s.add(
            TimelineEvent(
                case_id=case.id, as_of=date(2026, 11, 2), event="review", detail="approved",
                actor="demo.xulawyer", at=datetime(2026, 11, 2, 16, 30, tzinfo=UTC),
            )
        )  # fmt: skip
        s.commit()
        case_id = case.id
    engine.dispose()
    return case_id


def test_case_file_times_are_in_shanghai(cli: Cli, tmp_path: Path) -> None:
    case_id = _case_with_times(tmp_path / "home")
    out = cli("case", str(case_id), "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert data["reviews"][0]["decided_at"] == "2026-11-03T01:00:00+08:00"
    assert data["documents"][0]["rendered_at"] == "2026-11-03T07:05:00+08:00"
    assert data["timeline"][-1]["at"] == "2026-11-03T00:30:00+08:00"
    human = cli("case", str(case_id))
    assert human.code == 0, human.err
    assert "2026-11-03 01:00" in human.out  # decided
    assert "2026-11-03 07:05" in human.out  # rendered
    assert "(recorded 2026-11-03 00:30)" in human.out  # timeline
    assert "+00:00" not in human.out and "T17:00" not in human.out
