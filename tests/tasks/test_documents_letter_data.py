"""Issue 12 items 1, 3, 4 and 5 at the data builders and the bank's details: a working-day
deadline counted from delivery, pre-due data only for accounts not overdue, the cure and the fee
heads from bank.yaml, and no demo value going out with `demo: false`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import CardAccount
from rules.enums import Stage
from rules.errors import DuecourseError, InputError
from rules.periods import PeriodUnit, period_end
from tasks.bank import CureRule, demo_values, parse_bank, refuse_demo_values
from tasks.calendar import load_calendar
from tasks.letter_data import LetterContext, build_data, fee_lines, load_bank, read_figures
from tasks.policy import load_policy
from tests.factories import make_case

POLICY = Path(__file__).resolve().parents[2] / "policy"
BANK = load_bank(POLICY)
CAL = load_calendar(POLICY)
CTX = LetterContext(BANK, CAL)


def _letter(engine: Engine, on: date, ctx: LetterContext = CTX, **kwargs: Any) -> dict[str, Any]:
    with Session(engine) as session:
        case = make_case(session, as_of=kwargs.pop("as_of", on), **kwargs)
        session.commit()
        assert case.id is not None
        return build_data(session, "collection_letter", [case.id], on, ctx)[case.id]


def _bank(**changes: Any) -> dict[str, Any]:
    raw = BANK.model_dump(mode="json")
    for dotted, value in changes.items():
        node = raw
        *path, last = dotted.split("__")
        for key in path:
            node = node[key]
        node[last] = value
    return raw


@pytest.mark.parametrize(
    ("letter_date", "deadline"),
    [
        # was Sunday 2026-12-13 (10 calendar days, no time in the post)
        (date(2026, 12, 3), date(2026, 12, 16)),
        # 3 days in the post + 10 = Sunday 2026-12-06 -> Monday 12-07
        (date(2026, 11, 23), date(2026, 12, 7)),
        # 10-07 is the last day of the National Day holiday, so 3 + 10 lands on 10-08
        (date(2026, 9, 24), date(2026, 10, 8)),
    ],
)
def test_the_deadline_is_a_working_day_counted_from_delivery(
    sqlite_engine: Engine, letter_date: date, deadline: date
) -> None:
    data = _letter(sqlite_engine, letter_date)
    assert data["deadline"] == deadline
    assert CAL.is_working_day(data["deadline"])
    assert data["calendar_warning"] == ""


def test_a_deadline_in_an_undeclared_year_is_the_latest_possible_and_warns(
    sqlite_engine: Engine,
) -> None:
    # was 2027-01-01 (New Year's Day) with no warning
    new_year = _letter(sqlite_engine, date(2026, 12, 22))
    assert new_year["deadline"] >= date(2027, 1, 4) and not CAL.is_rest_day(new_year["deadline"])
    assert "2027" in new_year["calendar_warning"]
    # was Spring Festival; 3 + 10 days from 2027-01-27 ends after 正月初三 (2027-02-08)
    spring = _letter(sqlite_engine, date(2027, 1, 27))
    end = period_end(date(2027, 1, 27), 13, PeriodUnit.DAYS, CAL)
    assert spring["deadline"] == end.latest and spring["deadline"] > date(2027, 2, 8)
    assert spring["calendar_warning"] == end.calendar_warning != ""


def test_transit_and_deadline_days_come_from_bank_yaml(sqlite_engine: Engine) -> None:
    slow_post = parse_bank(_bank(mail_transit_days=7, letters__collection_letter__deadline_days=5))
    data = _letter(sqlite_engine, date(2026, 12, 3), LetterContext(slow_post, CAL))
    assert data["deadline"] == date(2026, 12, 15)  # 12-03 + 12 days, a Tuesday
    default = parse_bank({k: v for k, v in _bank().items() if k != "mail_transit_days"})
    assert default.mail_transit_days == 3
    with pytest.raises(InputError, match=r"bank\.yaml: mail_transit_days: "):
        parse_bank(_bank(mail_transit_days=-1))


def test_the_cure_is_stated_from_bank_yaml(sqlite_engine: Engine) -> None:
    minimum = _letter(sqlite_engine, date(2026, 12, 3))
    assert minimum["cure"] == "minimum_due" and minimum["cure_amount"] == Decimal("1000.00")
    full = parse_bank(_bank(letters__collection_letter__cure="full_balance"))
    assert full.letters.collection_letter.cure is CureRule.FULL_BALANCE
    data = _letter(sqlite_engine, date(2026, 12, 3), LetterContext(full, CAL))
    assert data["cure"] == "full_balance" and data["cure_amount"] == data["total"]
    with pytest.raises(InputError, match=r"letters\.collection_letter\.cure"):
        parse_bank(_bank(letters__collection_letter__cure="half"))


def test_fee_lines_show_the_heads_the_data_carries_else_one_fees_line(
    sqlite_engine: Engine,
) -> None:
    data = _letter(sqlite_engine, date(2026, 12, 3), fees="75.50")
    assert data["fee_lines"] == [("费用", Decimal("75.50"))]
    assert "fees" not in data
    with Session(sqlite_engine) as session:
        case = make_case(session, fees="150.00")
        assert case.id is not None
        figures = read_figures(session, [case.id], date(2026, 12, 3))[case.id]
    heads = (("违约金", Decimal("100.00")), ("年费", Decimal("50.00")))
    booked = type(figures)(**{**figures.__dict__, "fee_heads": heads})
    assert fee_lines(booked) == list(heads)
    wrong = type(figures)(**{**figures.__dict__, "fee_heads": heads[:1]})
    with pytest.raises(
        DuecourseError, match=r"fee heads add up to 100\.00, not the fees of 150\.00"
    ):
        fee_lines(wrong)


def test_no_current_bill_past_one_billing_cycle(sqlite_engine: Engine) -> None:
    assert _letter(sqlite_engine, date(2026, 12, 3), dpd=30)["current_cycle"] is True
    assert _letter(sqlite_engine, date(2026, 12, 3), dpd=31)["current_cycle"] is False
    longer = LetterContext(parse_bank(_bank(billing_cycle_days=35)), CAL)
    assert _letter(sqlite_engine, date(2026, 12, 3), longer, dpd=31)["current_cycle"] is True


def _predue(engine: Engine, kind: str, dpd: int, due: date | None) -> dict[str, Any]:
    on = date(2026, 11, 23)
    with Session(engine) as session:
        case = make_case(session, dpd=dpd, as_of=on)
        account = session.get(CardAccount, case.account_id)
        assert account is not None and case.id is not None
        account.due_date = due
        session.commit()
        return build_data(session, kind, [case.id], on, CTX)[case.id]


def test_predue_data_only_for_an_account_not_yet_due(sqlite_engine: Engine) -> None:
    sms = _predue(sqlite_engine, "predue_sms", 0, date(2026, 11, 28))
    assert sms["due_date"] == date(2026, 11, 28) and sms["minimum_due"] == Decimal("1000.00")
    email = _predue(sqlite_engine, "predue_email", 0, date(2026, 11, 23))
    assert email["due_date"] == date(2026, 11, 23)
    with pytest.raises(DuecourseError, match="5 days past due: a pre-due reminder would be untrue"):
        _predue(sqlite_engine, "predue_sms", 5, date(2026, 11, 28))
    with pytest.raises(DuecourseError, match="due date 2026-11-20 has passed"):
        _predue(sqlite_engine, "predue_email", 0, date(2026, 11, 20))


def test_the_shipped_early_warning_stage_sends_predue_texts() -> None:
    stage = next(s for s in load_policy(POLICY).stages if s.stage is Stage.EARLY_WARNING)
    assert [a.template for a in stage.actions] == ["predue_sms", "predue_email"]


def test_demo_values_refuse_rendering_only_with_demo_false() -> None:
    refuse_demo_values(BANK)  # demo: true, every demo value allowed (and marked on the letter)
    real = _bank(
        demo=False,
        name="真实银行信用卡中心",
        short_name="真实银行",
        address="上海市黄浦区中山东一路 1 号",
        hotline="95588",
        phone="021-61234567",
        website="https://www.realbank.cn",
        seal_text="真实银行信用卡中心",
        repayment__account_name="真实银行信用卡中心",
        repayment__bank_branch="真实银行上海分行",
        dispute__address="上海市黄浦区中山东一路 1 号 客户权益保护部",
        dispute__email="complaints@realbank.cn",
    )
    bank = parse_bank(real)
    assert demo_values(bank) == ["repayment.account_number"]
    with pytest.raises(DuecourseError) as caught:
        refuse_demo_values(bank)
    assert str(caught.value) == (
        "bank.yaml: repayment.account_number is still the demo value; "
        "replace it before sending letters"
    )
    refuse_demo_values(
        parse_bank({**real, "repayment": {**real["repayment"], "account_number": "3100 1234 5678"}})
    )
    shipped = parse_bank(_bank(demo=False))
    with pytest.raises(
        DuecourseError, match=r"bank.yaml: name is still the demo value \(and \d+ more\)"
    ):
        refuse_demo_values(shipped)
    assert {"hotline", "phone", "website", "dispute.email"} <= set(demo_values(shipped))


def test_bank_yaml_refuses_unknown_keys_with_the_field_named(tmp_path: Path) -> None:
    text = (POLICY / "bank.yaml").read_text(encoding="utf-8")
    (tmp_path / "bank.yaml").write_text(text + "hotlien: 95588\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_bank(tmp_path)
    message = str(caught.value)
    line = text.count("\n") + 1
    assert "\n" not in message and f"bank.yaml:{line}: unknown key 'hotlien'" in message
