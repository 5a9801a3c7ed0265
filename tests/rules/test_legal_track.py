"""Court steps: vocabulary, order, dates, the late objection, and where periods count from."""

from __future__ import annotations

from datetime import date

import pytest

from rules.calendar import BusinessCalendar
from rules.enums import Stage
from rules.errors import InputError
from rules.legal_track import (
    OPENS,
    LegalEvent,
    Recorded,
    StatutoryKind,
    Track,
    check_step,
    objection_deadline,
    parse_legal_event,
    period_start,
    track_reached,
)
from rules.periods import PeriodEvent
from tasks.calendar import load_calendar

E = LegalEvent
TODAY = date(2026, 12, 31)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return load_calendar(None)


def steps(*pairs: tuple[LegalEvent, date]) -> list[Recorded]:
    return [Recorded(e, d) for e, d in pairs]


def test_vocabulary_is_named_with_its_track() -> None:
    assert parse_legal_event("Payment-Order.Served") is E.PO_SERVED
    assert parse_legal_event("litigation.judgment_served") is E.LIT_JUDGMENT_SERVED
    assert E.ENF_APPLIED.track is Track.ENFORCEMENT and E.ENF_APPLIED.step == "applied"
    with pytest.raises(InputError, match=r"known: payment-order.filed"):
        parse_legal_event("payment-order.appealed")


def test_served_before_issued_and_accepted_before_filed_are_refused(cal: BusinessCalendar) -> None:
    with pytest.raises(InputError, match=r"cannot come first; next may be: payment-order.filed"):
        check_step(E.PO_ACCEPTED, date(2026, 12, 1), [], today=TODAY, calendar=cal)
    filed = steps((E.PO_FILED, date(2026, 12, 1)))
    with pytest.raises(InputError, match=r"cannot come after payment-order.filed on 2026-12-01"):
        check_step(E.PO_SERVED, date(2026, 12, 2), filed, today=TODAY, calendar=cal)
    with pytest.raises(InputError, match=r"next may be: litigation.filed"):
        check_step(E.LIT_JUDGMENT, date(2026, 12, 2), [], today=TODAY, calendar=cal)


def test_objection_only_after_service(cal: BusinessCalendar) -> None:
    issued = steps((E.PO_FILED, date(2026, 12, 1)), (E.PO_ACCEPTED, date(2026, 12, 3)),
                   (E.PO_ISSUED, date(2026, 12, 8)))  # fmt: skip
    with pytest.raises(InputError, match=r"objection cannot come after payment-order.issued"):
        check_step(E.PO_OBJECTION, date(2026, 12, 9), issued, today=TODAY, calendar=cal)


def test_dates_not_in_the_future_nor_before_the_previous_step(cal: BusinessCalendar) -> None:
    with pytest.raises(InputError, match="2027-01-01 is in the future"):
        check_step(E.PO_FILED, date(2027, 1, 1), [], today=TODAY, calendar=cal)
    filed = steps((E.PO_FILED, date(2026, 12, 10)))
    with pytest.raises(InputError, match=r"before payment-order.filed on 2026-12-10"):
        check_step(E.PO_ACCEPTED, date(2026, 12, 9), filed, today=TODAY, calendar=cal)
    ok = check_step(E.PO_ACCEPTED, date(2026, 12, 10), filed, today=TODAY, calendar=cal)
    assert ok.previous == filed[0] and not ok.late


def test_an_objection_after_the_15_days_is_late_and_has_no_effect(cal: BusinessCalendar) -> None:
    served_on = date(2026, 11, 2)
    served = steps((E.PO_FILED, date(2026, 10, 20)), (E.PO_ACCEPTED, date(2026, 10, 22)),
                   (E.PO_ISSUED, date(2026, 10, 28)), (E.PO_SERVED, served_on))  # fmt: skip
    window = objection_deadline(served_on, cal).latest
    assert window == date(2026, 11, 17)  # 15 days, a Tuesday (CPL Art. 227)
    in_time = check_step(E.PO_OBJECTION, window, served, today=TODAY, calendar=cal)
    late = check_step(E.PO_OBJECTION, date(2026, 11, 18), served, today=TODAY, calendar=cal)
    assert not in_time.late and late.late
    # a late objection does not move the track: the order can still take effect after it
    after = [*served, Recorded(E.PO_OBJECTION, date(2026, 11, 18), late=True)]
    eff = check_step(E.PO_EFFECTIVE, date(2026, 11, 18), after, today=TODAY, calendar=cal)
    assert eff.previous is not None and eff.previous.event is E.PO_SERVED
    with pytest.raises(InputError, match="takes effect only after it"):
        check_step(E.PO_EFFECTIVE, window, served, today=TODAY, calendar=cal)
    # after the order took effect, an objection can only be late
    done = [*served, Recorded(E.PO_EFFECTIVE, date(2026, 11, 18))]
    assert check_step(E.PO_OBJECTION, date(2026, 11, 20), done, today=TODAY, calendar=cal).late


def test_each_period_cites_its_article() -> None:
    assert OPENS[E.PO_FILED].period is PeriodEvent.PAYMENT_ORDER_FILED  # Art. 226, 5 days
    assert OPENS[E.PO_ISSUED].kind is StatutoryKind.SERVICE
    assert OPENS[E.PO_SERVED].kind is StatutoryKind.OBJECTION_WINDOW
    assert OPENS[E.PO_TERMINATION_RULING].period is PeriodEvent.TERMINATION_RULING
    assert OPENS[E.LIT_PERFORMANCE_END].period is PeriodEvent.PERFORMANCE_DUE
    assert E.ENF_APPLIED in OPENS[E.LIT_PERFORMANCE_END].met_by
    assert "Art. 430" in OPENS[E.PO_ISSUED].on_expiry


def test_enforcement_of_an_effective_order_counts_from_the_window_end(
    cal: BusinessCalendar,
) -> None:
    served = steps((E.PO_SERVED, date(2026, 11, 2)))
    assert period_start(E.PO_EFFECTIVE, date(2026, 11, 30), served, cal) == date(2026, 11, 17)
    assert period_start(E.LIT_PERFORMANCE_END, date(2026, 11, 30), [], cal) == date(2026, 11, 30)


def test_a_track_is_reached_by_its_stage_its_steps_or_a_step_that_opens_it() -> None:
    assert not track_reached(Track.PAYMENT_ORDER, {Stage.LAWYER_LETTER}, [])
    assert track_reached(Track.PAYMENT_ORDER, {Stage.PAYMENT_ORDER}, [])
    ruling = steps((E.PO_TERMINATION_RULING, date(2026, 12, 1)))
    assert track_reached(Track.LITIGATION, {Stage.PAYMENT_ORDER}, ruling)
    assert not track_reached(Track.ENFORCEMENT, {Stage.PAYMENT_ORDER}, ruling)
    assert track_reached(Track.ENFORCEMENT, {Stage.LITIGATION},
                         steps((E.LIT_EFFECTIVE, date(2026, 12, 1))))  # fmt: skip
