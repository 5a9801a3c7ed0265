"""People's data on output (issue 13 items 11 and 12): free text (review comments, timeline
details) masked in every real format, and control characters in names, addresses and comments
never reach the terminal; JSON keeps the value, escaped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from models import Customer, TimelineEvent
from models.db import open_engine
from models.review import Review
from rules.enums import Role, Stage
from tests.cli.conftest import Cli
from tests.factories import make_case

# raw value -> what is shown instead
FORMATS = {
    "138-1234-5678": "138****5678",
    "+86 139 8765 4321": "139****4321",
    "110105710222813": "1101********813",  # a 15-digit ID number (before 1999)
    "6225 8801 2345 6789": "6225 **** **** 6789",
    "zhang.san@example.com": "z***@example.com",
    "021-6234-5678": "021-****5678",
    "１３９１２３４００００": "139****0000",
}
COMMENT = "债务人称 " + "；".join(FORMATS)


def _seed(home: Path, *, name: str = "张三", address: str | None = None) -> tuple[int, int]:
    engine = open_engine(f"sqlite:///{home}/duecourse.sqlite")
    with Session(engine) as s:
        case = make_case(s, dpd=120, name=name, account_id="A1")
        assert case.id is not None
        if address is not None:
            customer = s.get(Customer, case.customer_id)
            assert customer is not None
            customer.address = address
            s.add(customer)
        review = Review(
            case_id=case.id, target_stage=Stage.LAWYER_LETTER, required_role=Role.LEGAL,
            opened_on=date(2026, 11, 2), key="k1", policy_version="v1",
        )  # fmt: skip
        s.add(review)
        s.add(
            TimelineEvent(
                case_id=case.id, at=datetime(2026, 11, 2, 2, tzinfo=UTC), as_of=date(2026, 11, 2),
                event="contact", detail=f"note: {COMMENT}", actor="demo.zhangmin",
            )
        )  # fmt: skip
        s.commit()
        ids = (case.id or 0, review.id or 0)
    engine.dispose()
    return ids


def _assert_masked(text: str) -> None:
    text = " ".join(text.split())  # a table or a long line may wrap where a value has a space
    for raw, masked in FORMATS.items():
        assert raw not in text
        assert masked in text, (masked, text)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-05")


def test_review_comments_and_timeline_details_are_masked_in_every_format(
    cli: Cli, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    case_id, rid = _seed(home)
    decided = cli("review", "reject", str(rid), "--as", "demo.xulawyer", "--comment", COMMENT)
    assert decided.code == 0, decided.err
    shown = cli("review", "show", str(rid))
    assert shown.code == 0 and "comment: 债务人称" in shown.out
    _assert_masked(shown.out)
    _assert_masked(json.loads(cli("review", "show", str(rid), "--json").out)["comment"])
    listed = json.loads(cli("review", "list", "--status", "all", "--json").out)
    _assert_masked(listed["reviews"][0]["comment"])
    case_json = json.loads(cli("case", "A1", "--json").out)
    details = [e["detail"] for e in case_json["timeline"] if "债务人称" in e["detail"]]
    assert len(details) == 2  # the stored note and the rejection's comment
    for detail in details:
        _assert_masked(detail)
    human = cli("case", "A1")
    assert human.code == 0, human.err
    _assert_masked(human.out)
    engine = open_engine(f"sqlite:///{home}/duecourse.sqlite")
    with Session(engine) as s:  # the rejection's comment is stored masked in the timeline
        stored = s.exec(
            select(TimelineEvent.detail)
            .where(TimelineEvent.case_id == case_id, col(TimelineEvent.event) != "contact")
            .where(col(TimelineEvent.detail).contains("债务人称"))
        ).all()
    engine.dispose()
    assert len(stored) == 1
    _assert_masked(stored[0])


HOSTILE = "王\x1b[2J\x1b]8;;http://evil.example/\x07五\x1b]8;;\x07\x07\u009b31m\r\n伪造"


def test_control_characters_never_reach_the_terminal(cli: Cli, tmp_path: Path) -> None:
    """Before: `case` and `cases` printed ESC [2J (clear screen) and an OSC 8 hyperlink raw."""
    _, rid = _seed(tmp_path / "home", name=HOSTILE, address="北京市\x1b[8m朝阳区\x9b2J某路")
    for args in (("cases",), ("case", "A1"), ("review", "list"), ("review", "show", str(rid))):
        out = cli(*args)
        assert out.code == 0, out.err
        assert not any(ch in out.out for ch in "\x1b\x07\r\x9b"), (args, out.out)
    case_text = cli("case", "A1").out
    assert "debtor 王[2J]8;;http://evil.example/五]8;;31m 伪造" in case_text
    assert "\n伪造" not in case_text  # a name cannot forge a line of its own
    raw = cli("case", "A1", "--json").out
    assert "\x1b" not in raw and "\x9b" not in raw and "\\u009b" in raw
    assert json.loads(raw)["debtor"]["name"] == HOSTILE  # JSON keeps the value


def test_an_error_naming_a_value_strips_controls_too(cli: Cli, tmp_path: Path) -> None:
    _seed(tmp_path / "home")
    out = cli("case", "A\x1b[2J9")
    assert out.code == 1 and "\x1b" not in out.err
