"""Court steps of the three legal tracks: their vocabulary, the order they come in, and the
statutory period each one starts (counted from the step's own date, never from a stage entry).

The tracks and their law (domain.md sections 3 and 6):
- payment order (支付令, Civil Procedure Law 2023 Arts. 225-228, SPC CPL interpretation 2022
  Arts. 427-439): filed -> accepted (or rejected) -> issued -> served (or not-served) ->
  objection -> termination-ruling-received, or effective when the 15 days pass without one;
- litigation: filed -> accepted -> judgment -> judgment-served -> effective ->
  performance-period-end;
- enforcement (CPL 2023 Art. 250): applied -> accepted -> concluded or terminated.

Pure: the caller gives the events already recorded, the day, and the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rules import events as ev
from rules.calendar import BusinessCalendar
from rules.enums import Stage
from rules.errors import InputError
from rules.periods import PeriodEvent, PeriodResult, statutory_deadline


class Track(StrEnum):
    PAYMENT_ORDER = "payment-order"
    LITIGATION = "litigation"
    ENFORCEMENT = "enforcement"


# The stage a track belongs to: its events are refused (unless forced) on a case that never
# reached it.
TRACK_STAGE: dict[Track, Stage] = {
    Track.PAYMENT_ORDER: Stage.PAYMENT_ORDER,
    Track.LITIGATION: Stage.LITIGATION,
    Track.ENFORCEMENT: Stage.ENFORCEMENT,
}


class LegalEvent(StrEnum):
    """A court step, named with its track (the CLI spelling and the stored value)."""

    PO_FILED = "payment-order.filed"
    PO_ACCEPTED = "payment-order.accepted"
    PO_REJECTED = "payment-order.rejected"
    PO_ISSUED = "payment-order.issued"
    PO_SERVED = "payment-order.served"
    PO_NOT_SERVED = "payment-order.not-served"
    PO_OBJECTION = "payment-order.objection"
    PO_TERMINATION_RULING = "payment-order.termination-ruling-received"
    PO_EFFECTIVE = "payment-order.effective"
    LIT_FILED = "litigation.filed"
    LIT_ACCEPTED = "litigation.accepted"
    LIT_JUDGMENT = "litigation.judgment"
    LIT_JUDGMENT_SERVED = "litigation.judgment-served"
    LIT_EFFECTIVE = "litigation.effective"
    LIT_PERFORMANCE_END = "litigation.performance-period-end"
    ENF_APPLIED = "enforcement.applied"
    ENF_ACCEPTED = "enforcement.accepted"
    ENF_CONCLUDED = "enforcement.concluded"
    ENF_TERMINATED = "enforcement.terminated"

    @property
    def track(self) -> Track:
        return Track(self.value.partition(".")[0])

    @property
    def step(self) -> str:
        return self.value.partition(".")[2]


E = LegalEvent

# Which step may follow which, per track: the last step that counts (None: nothing yet) -> the
# steps allowed next. A court rejects an application after filing or after accepting it
# (Art. 227: 裁定驳回); after a rejection or a failed service a new application may be filed.
# An objection follows service (Art. 227); a termination ruling follows a valid objection, or
# service when the objection itself was not recorded. An enforcement terminated for want of
# property (终结本次执行) may be applied for again.
_ORDER: dict[Track, dict[LegalEvent | None, tuple[LegalEvent, ...]]] = {
    Track.PAYMENT_ORDER: {
        None: (E.PO_FILED,),
        E.PO_FILED: (E.PO_ACCEPTED, E.PO_REJECTED),
        E.PO_ACCEPTED: (E.PO_ISSUED, E.PO_REJECTED),
        E.PO_REJECTED: (E.PO_FILED,),
        E.PO_ISSUED: (E.PO_SERVED, E.PO_NOT_SERVED),
        E.PO_NOT_SERVED: (E.PO_FILED,),
        E.PO_SERVED: (E.PO_OBJECTION, E.PO_TERMINATION_RULING, E.PO_EFFECTIVE),
        E.PO_OBJECTION: (E.PO_TERMINATION_RULING,),
        E.PO_TERMINATION_RULING: (),
        E.PO_EFFECTIVE: (),
    },
    Track.LITIGATION: {
        None: (E.LIT_FILED,),
        E.LIT_FILED: (E.LIT_ACCEPTED,),
        E.LIT_ACCEPTED: (E.LIT_JUDGMENT,),
        E.LIT_JUDGMENT: (E.LIT_JUDGMENT_SERVED,),
        E.LIT_JUDGMENT_SERVED: (E.LIT_EFFECTIVE,),
        E.LIT_EFFECTIVE: (E.LIT_PERFORMANCE_END,),
        E.LIT_PERFORMANCE_END: (),
    },
    Track.ENFORCEMENT: {
        None: (E.ENF_APPLIED,),
        E.ENF_APPLIED: (E.ENF_ACCEPTED,),
        E.ENF_ACCEPTED: (E.ENF_CONCLUDED, E.ENF_TERMINATED),
        E.ENF_CONCLUDED: (),
        E.ENF_TERMINATED: (E.ENF_APPLIED,),
    },
}

# The timeline event a step writes besides its own line, where the ladder waits for one
# (rules/events.py: `met_by` of payment_order_filed, lawsuit_filed, enforcement_applied).
TIMELINE_EVENT: dict[LegalEvent, str] = {
    E.PO_FILED: ev.PAYMENT_ORDER_FILED,
    E.PO_ACCEPTED: ev.PAYMENT_ORDER_ACCEPTED,
    E.PO_REJECTED: ev.PAYMENT_ORDER_REJECTED,
    E.LIT_FILED: ev.LAWSUIT_FILED,
    E.ENF_APPLIED: ev.ENFORCEMENT_APPLIED,
}


class StatutoryKind(StrEnum):
    """The statutory milestones court steps open (milestone.kind)."""

    COURT_ACCEPTANCE = "court_acceptance"
    PAYMENT_ORDER_ISSUE = "payment_order_issue"
    SERVICE = "service"
    OBJECTION_WINDOW = "objection_window"
    SUIT_DECISION = "suit_decision"
    APPEAL_WINDOW = "appeal_window"
    ENFORCEMENT_APPLICATION = "enforcement_application"


@dataclass(frozen=True)
class Opens:
    """The statutory milestone a step opens: its kind, the period (rules/periods.py, with its
    article), the steps that meet it, and what its passing means."""

    kind: StatutoryKind
    period: PeriodEvent
    met_by: frozenset[LegalEvent]
    on_expiry: str


# Each step that starts a statutory period -> the milestone it opens, counted from its own date.
OPENS: dict[LegalEvent, Opens] = {
    # CPL 2023 Art. 226: the court says within 5 days of the application whether it accepts.
    E.PO_FILED: Opens(
        StatutoryKind.COURT_ACCEPTANCE,
        PeriodEvent.PAYMENT_ORDER_FILED,
        frozenset({E.PO_ACCEPTED, E.PO_REJECTED}),
        "the court has not said whether it accepts the application (CPL Art. 226): ask it",
    ),
    # CPL 2023 Art. 227: the order is issued within 15 days of acceptance.
    E.PO_ACCEPTED: Opens(
        StatutoryKind.PAYMENT_ORDER_ISSUE,
        PeriodEvent.PAYMENT_ORDER_ACCEPTED,
        frozenset({E.PO_ISSUED, E.PO_REJECTED}),
        "the court has not issued the payment order (CPL Art. 227): ask it",
    ),
    # SPC CPL interpretation 2022 Art. 430(2): an order not served within 30 days of its issue
    # ends the procedure (the order lapses).
    E.PO_ISSUED: Opens(
        StatutoryKind.SERVICE,
        PeriodEvent.PAYMENT_ORDER_ISSUED,
        frozenset({E.PO_SERVED, E.PO_NOT_SERVED}),
        "not served within 30 days of issue: the payment-order procedure ends "
        "(SPC CPL interpretation 2022 Art. 430); decide on a suit",
    ),
    # CPL 2023 Art. 227: the debtor pays or objects in writing within 15 days of service; with
    # no objection the order takes effect and can be enforced.
    E.PO_SERVED: Opens(
        StatutoryKind.OBJECTION_WINDOW,
        PeriodEvent.PAYMENT_ORDER_SERVED,
        frozenset({E.PO_OBJECTION, E.PO_TERMINATION_RULING}),
        "no objection within 15 days of service: the payment order is effective (CPL Art. 227)",
    ),
    # CPL 2023 Art. 228, SPC CPL interpretation 2022 Arts. 438-439: the creditor refuses a suit
    # within 7 days of receiving the termination ruling, or the suit counts as filed on the day
    # the payment order was applied for. Opened on an objection too, counted from it: the ruling
    # cannot come before the objection, so that deadline is never later than the real one.
    E.PO_OBJECTION: Opens(
        StatutoryKind.SUIT_DECISION,
        PeriodEvent.TERMINATION_RULING,
        frozenset({E.PO_TERMINATION_RULING, E.LIT_FILED}),
        "7 days passed without a refusal: the suit counts as filed on the payment-order "
        "application date (SPC CPL interpretation 2022 Art. 439)",
    ),
    E.PO_TERMINATION_RULING: Opens(
        StatutoryKind.SUIT_DECISION,
        PeriodEvent.TERMINATION_RULING,
        frozenset({E.LIT_FILED}),
        "7 days passed without a refusal: the suit counts as filed on the payment-order "
        "application date (SPC CPL interpretation 2022 Art. 439)",
    ),
    # CPL 2023 Art. 171: appeal within 15 days of service of the judgment.
    E.LIT_JUDGMENT_SERVED: Opens(
        StatutoryKind.APPEAL_WINDOW,
        PeriodEvent.JUDGMENT_SERVED,
        frozenset({E.LIT_EFFECTIVE}),
        "15 days passed since service: without an appeal the judgment is effective "
        "(CPL Art. 171); record litigation.effective",
    ),
    # CPL 2023 Art. 250: enforcement within 2 years from the last day of the performance period;
    # an effective payment order's performance period is the 15 days after service (Art. 227),
    # so its 2 years count from that window's last day (`period_start`).
    E.PO_EFFECTIVE: Opens(
        StatutoryKind.ENFORCEMENT_APPLICATION,
        PeriodEvent.PERFORMANCE_DUE,
        frozenset({E.ENF_APPLIED}),
        "the 2-year period to apply for enforcement has passed (CPL Art. 250)",
    ),
    # CPL 2023 Art. 250: enforcement within 2 years from the last day of the performance period.
    E.LIT_PERFORMANCE_END: Opens(
        StatutoryKind.ENFORCEMENT_APPLICATION,
        PeriodEvent.PERFORMANCE_DUE,
        frozenset({E.ENF_APPLIED}),
        "the 2-year period to apply for enforcement has passed (CPL Art. 250)",
    ),
}


# Deadlines the bank must meet (it works to the earliest end); the others are the court's or
# protect the debtor, and count as passed only after their latest possible end.
BANK_DEADLINES: frozenset[StatutoryKind] = frozenset(
    {StatutoryKind.SUIT_DECISION, StatutoryKind.ENFORCEMENT_APPLICATION}
)

# Steps that open a track besides the case reaching its stage: a termination ruling turns the
# payment order into a suit (Art. 228; SPC CPL interpretation 2022 Art. 439), an effective order
# or judgment is enforceable (CPL Arts. 247, 250).
OPENED_BY: dict[Track, frozenset[LegalEvent]] = {
    Track.PAYMENT_ORDER: frozenset(),
    Track.LITIGATION: frozenset({E.PO_TERMINATION_RULING}),
    Track.ENFORCEMENT: frozenset({E.PO_EFFECTIVE, E.LIT_EFFECTIVE, E.LIT_PERFORMANCE_END}),
}


def track_reached(track: Track, stages: set[Stage], recorded: list[Recorded]) -> bool:
    """Whether a case that is or was in `stages` (its current stage, its return stage and the
    stages its timeline entered) has reached `track`: its stage, a step of it already recorded,
    or a step of another track that opens it."""
    if TRACK_STAGE[track] in stages:
        return True
    return any(r.event.track is track or r.event in OPENED_BY[track] for r in recorded)


def period_start(
    event: LegalEvent, on: date, recorded: list[Recorded], calendar: BusinessCalendar
) -> date:
    """The day the statutory period `event` opens is counted from: its own date, except for an
    effective payment order, whose 2 enforcement years run from the last day of its performance
    period, the objection window after service (CPL Arts. 227, 250)."""
    if event is E.PO_EFFECTIVE:
        served = _last_of(recorded, E.PO_SERVED)
        if served is not None:
            return min(on, objection_deadline(served.on, calendar).latest)
    return on


def parse_legal_event(value: str) -> LegalEvent:
    """`payment-order.served` (case and `_` tolerated); InputError listing the vocabulary."""
    text = value.strip().lower().replace("_", "-")
    try:
        return LegalEvent(text)
    except ValueError:
        track = text.partition(".")[0]
        known = [e.value for e in LegalEvent if e.track.value == track] or [
            e.value for e in LegalEvent
        ]
        raise InputError(f"EVENT: unknown event {value!r}; known: {', '.join(known)}") from None


@dataclass(frozen=True)
class Recorded:
    """A step already recorded on the case (its own date; `late`: an objection out of time)."""

    event: LegalEvent
    on: date
    late: bool = False


def last_step(recorded: list[Recorded], track: Track) -> Recorded | None:
    """The track's last step that counts: a late objection has no effect (Art. 227; SPC CPL
    interpretation 2022 Art. 431), so it never becomes the last step."""
    steps = [r for r in recorded if r.event.track is track and not r.late]
    return steps[-1] if steps else None


def objection_deadline(served_on: date, calendar: BusinessCalendar) -> PeriodResult:
    """The 15 days to object after service (Art. 227). The period protects the debtor: an
    objection is late only after its latest possible end (`latest`)."""
    return statutory_deadline(PeriodEvent.PAYMENT_ORDER_SERVED, served_on, calendar)


@dataclass(frozen=True)
class Checked:
    """A step that may be recorded; `late` marks an objection after the 15-day window."""

    event: LegalEvent
    on: date
    late: bool
    previous: Recorded | None


def check_step(
    event: LegalEvent,
    on: date,
    recorded: list[Recorded],
    *,
    today: date,
    calendar: BusinessCalendar,
) -> Checked:
    """Whether `event` on `on` may follow what is recorded (in recording order); InputError (one
    line) if not. A legal record is never dated in the future nor before the step it follows.
    An objection after the window is accepted as late: recorded, without effect."""
    if on > today:
        raise InputError(f"--date: {on.isoformat()} is in the future (today is {today})")
    track = event.track
    previous = last_step(recorded, track)
    if event is E.PO_OBJECTION and previous is not None and previous.event is E.PO_EFFECTIVE:
        served = _last_of(recorded, E.PO_SERVED)
        return _late_objection(on, served, previous, calendar)
    allowed = _ORDER[track][previous.event if previous else None]
    if event not in allowed:
        after = f"after {previous.event.value} on {previous.on}" if previous else "first"
        need = ", ".join(e.value for e in allowed) or "nothing: the track has ended"
        raise InputError(f"{event.value} cannot come {after}; next may be: {need}")
    if previous is not None and on < previous.on:
        raise InputError(
            f"--date: {on.isoformat()} is before {previous.event.value} on {previous.on}"
        )
    late = False
    if event is E.PO_OBJECTION and previous is not None:
        late = on > objection_deadline(previous.on, calendar).latest
    if event is E.PO_EFFECTIVE and previous is not None:
        window = objection_deadline(previous.on, calendar).latest
        if on <= window:
            raise InputError(
                f"--date: the objection window after service on {previous.on} runs to "
                f"{window}; the order takes effect only after it (CPL Art. 227)"
            )
    return Checked(event, on, late, previous)


def _last_of(recorded: list[Recorded], event: LegalEvent) -> Recorded | None:
    found = [r for r in recorded if r.event is event]
    return found[-1] if found else None


def _late_objection(
    on: date, served: Recorded | None, previous: Recorded, calendar: BusinessCalendar
) -> Checked:
    """An objection after the order took effect: recorded as late, without effect. One dated
    within the window contradicts the recorded effect and is refused."""
    if served is None:
        raise InputError("payment-order.objection needs payment-order.served first")
    if on < served.on:
        raise InputError(f"--date: {on.isoformat()} is before {E.PO_SERVED.value} on {served.on}")
    window = objection_deadline(served.on, calendar).latest
    if on <= window:
        raise InputError(
            f"an objection on {on} is within the window (to {window}) but "
            f"{E.PO_EFFECTIVE.value} is recorded on {previous.on}: correct the record first"
        )
    return Checked(E.PO_OBJECTION, on, True, previous)
