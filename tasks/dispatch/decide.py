"""What becomes of each line of a batch: asked of the conduct gate, then by channel.

Pure apart from the pack and calendar it is given: the batch module reads the store and sends.
A line whose case closed or left the stage it was planned in is skipped; the gate's BLOCK and
DEFER are recorded on the line with the rule; an allowed call or visit joins its owner's work
queue, an allowed letter the day's mail batch, an allowed SMS or e-mail is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from rules.calendar import BusinessCalendar
from rules.conduct import ConductState, ContactRequest, Decision, TemplateTraits, Verdict, decide
from rules.conduct_pack import ConductPack
from rules.enums import ActionStatus, CaseStatus, Channel, Party
from tasks.dispatch.lines import Line

QUEUED_CHANNELS = (Channel.CALL, Channel.VISIT)
SENT_CHANNELS = (Channel.SMS, Channel.EMAIL)


class Route(StrEnum):
    """Where an allowed line goes."""

    SEND = "send"  # an SMS or e-mail, sent now
    QUEUE = "queue"  # a call or visit for its owner, or a letter for the mail batch
    DONE = "done"  # nothing to send: the line's status says why


@dataclass(frozen=True)
class LineDecision:
    route: Route
    status: ActionStatus
    reason: str
    rule: str | None = None  # the gate's rule that blocked or deferred it
    not_before: datetime | None = None


def _skip(line: Line) -> LineDecision | None:
    if line.case_status is not CaseStatus.OPEN:
        return LineDecision(Route.DONE, ActionStatus.SKIPPED, "the case is closed")
    if line.planned_stage != line.stage.value:
        return LineDecision(
            Route.DONE,
            ActionStatus.SKIPPED,
            f"the case moved to {line.stage.value} since this was planned",
        )
    return None


def _gated(pack: ConductPack, line: Line, verdict: Decision, day_zone_date: date) -> LineDecision:
    rule = verdict.rule.value if verdict.rule is not None else None
    reason = verdict.reason  # names the rule and the pack
    if verdict.verdict is Verdict.BLOCK:
        return LineDecision(Route.DONE, ActionStatus.BLOCKED, reason, rule)
    when = verdict.not_before
    # a call the gate moves to later the same day stays in the queue, with its lawful time
    same_day = when is not None and when.astimezone(pack.zone).date() == day_zone_date
    if line.channel in QUEUED_CHANNELS and same_day:
        return LineDecision(Route.QUEUE, ActionStatus.QUEUED, reason, rule, when)
    return LineDecision(Route.DONE, ActionStatus.DEFERRED, reason, rule, when)


def decide_line(
    *,
    pack: ConductPack,
    calendar: BusinessCalendar,
    line: Line,
    traits: TemplateTraits | None,
    state: ConductState,
    now: datetime,
    party: Party = Party.DEBTOR,
) -> LineDecision:
    """The fate of one line at `now` (a deferred line is asked at its own lawful time)."""
    skipped = _skip(line)
    if skipped is not None:
        return skipped
    at = max(now, line.not_before) if line.not_before is not None else now
    request = ContactRequest(channel=line.channel, at=at, party=party, template=traits)
    verdict = decide(pack, calendar, request, state)
    if verdict.verdict is not Verdict.ALLOW:
        return _gated(pack, line, verdict, now.astimezone(pack.zone).date())
    if line.channel in QUEUED_CHANNELS:
        who = line.owner or "the unassigned"
        return LineDecision(Route.QUEUE, ActionStatus.QUEUED, f"in {who}'s work queue")
    if line.channel is Channel.MAIL:
        return LineDecision(Route.QUEUE, ActionStatus.QUEUED, "awaiting the day's mail batch")
    if line.channel in SENT_CHANNELS:
        return LineDecision(Route.SEND, ActionStatus.SENT, "")
    return LineDecision(
        Route.DONE, ActionStatus.FAILED, f"no {line.channel.value} channel is configured"
    )
