"""Court steps recorded with their own dates and the statutory milestones they open: each
payment-order path, the enforcement deadline from the performance period's end, the stage and
order checks, the court paper kept with its hash. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Case, Document, LegalEventRow, Milestone, TimelineEvent
from rules import events as ev
from rules.enums import MilestoneStatus, Role, Stage
from rules.errors import DuecourseError, InputError
from rules.legal_track import LegalEvent
from rules.periods import PeriodEvent, statutory_deadline
from rules.roster import User
from tasks.calendar import load_calendar
from tasks.cycle.core import PolicyBundle, run_day
from tasks.legal_clock import sweep_statutory
from tasks.legal_events import list_legal_events, record_legal_event
from tests.factories import make_case

E = LegalEvent
CAL = load_calendar(None)
LAWYER = User(name="law.xu", display_name="Xu", role=Role.LEGAL)
COLLECTOR = User(name="col.li", display_name="Li", role=Role.COLLECTOR)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-12-31")


def new_case(engine: Engine, stage: Stage = Stage.PAYMENT_ORDER, entered: date = date(2026, 9, 1)
             ) -> int:  # fmt: skip
    with Session(engine) as s:
        case = make_case(s, dpd=120, stage=stage, as_of=entered, owner="law.xu")
        s.commit()
        return int(case.id or 0)


def record(engine: Engine, case_id: int, event: LegalEvent, on: date, **kw: object) -> dict:  # type: ignore[type-arg]
    with Session(engine) as s:
        out = record_legal_event(
            s, str(case_id), event, on, calendar=CAL, user=kw.pop("user", LAWYER),  # type: ignore[arg-type]
            actor="law.xu", **kw,  # type: ignore[arg-type]
        )  # fmt: skip
        s.commit()
        return out


def milestones(engine: Engine, case_id: int) -> dict[str, Milestone]:
    with Session(engine) as s:
        rows = s.exec(
            select(Milestone)
            .where(Milestone.case_id == case_id, col(Milestone.legal_event_id).is_not(None))
            .order_by(col(Milestone.id))
        ).all()
        return {m.kind: m for m in rows}  # the latest of a kind wins


def sweep(engine: Engine, day: date) -> None:
    with engine.begin() as conn:
        sweep_statutory(conn, day, CAL)


def served_case(engine: Engine, served_on: date = date(2026, 11, 2)) -> int:
    cid = new_case(engine)
    record(engine, cid, E.PO_FILED, date(2026, 10, 20))
    record(engine, cid, E.PO_ACCEPTED, date(2026, 10, 22))
    record(engine, cid, E.PO_ISSUED, date(2026, 10, 28))
    record(engine, cid, E.PO_SERVED, served_on)
    return cid


def test_each_step_opens_the_next_period_from_its_own_date(engine: Engine) -> None:
    cid = new_case(engine)
    out = record(engine, cid, E.PO_FILED, date(2026, 10, 20))
    assert out["opened"]["kind"] == "court_acceptance"
    assert out["opened"]["due"] == "2026-10-26"  # 5 days: 10-25 is a Sunday (CPL Art. 226)
    assert "Art. 226" in out["opened"]["rule"]
    out = record(engine, cid, E.PO_ACCEPTED, date(2026, 10, 22))
    assert out["met"] == ["court_acceptance"]
    assert (out["opened"]["kind"], out["opened"]["due"]) == ("payment_order_issue", "2026-11-06")
    ms = milestones(engine, cid)
    assert ms["court_acceptance"].status == MilestoneStatus.MET
    assert ms["payment_order_issue"].owner == "law.xu"
    assert ms["payment_order_issue"].owner_role == Role.LEGAL
    with Session(engine) as s:  # the ladder's own event: meets payment_order_filed
        lines = s.exec(select(TimelineEvent).where(TimelineEvent.case_id == cid)).all()
    assert (ev.PAYMENT_ORDER_FILED, date(2026, 10, 20)) in {(t.event, t.as_of) for t in lines}
    assert (ev.PAYMENT_ORDER_ACCEPTED, date(2026, 10, 22)) in {(t.event, t.as_of) for t in lines}


def test_no_objection_the_order_takes_effect_the_day_after_the_window(engine: Engine) -> None:
    cid = served_case(engine)
    window = milestones(engine, cid)["objection_window"]
    assert (window.due, window.opened_on) == (date(2026, 11, 17), date(2026, 11, 2))
    sweep(engine, date(2026, 11, 17))  # the last day: still open
    assert milestones(engine, cid)["objection_window"].status == MilestoneStatus.OPEN
    sweep(engine, date(2026, 11, 20))
    ms = milestones(engine, cid)
    assert ms["objection_window"].status == MilestoneStatus.MET
    assert "payment order effective on 2026-11-18" in (ms["objection_window"].reason or "")
    events = list_legal_events_of(engine, cid)
    assert events[-1] == ("payment-order.effective", "2026-11-18", "deadline-check")
    # enforcement within 2 years of the performance period's last day, the window's end
    enf = ms["enforcement_application"]
    expected = statutory_deadline(PeriodEvent.PERFORMANCE_DUE, date(2026, 11, 17), CAL)
    assert (enf.opened_on, enf.due) == (date(2026, 11, 17), expected.deadline)
    sweep(engine, date(2026, 11, 21))  # again: nothing twice
    assert len(list_legal_events_of(engine, cid)) == 5


def list_legal_events_of(engine: Engine, cid: int) -> list[tuple[str, str, str]]:
    with Session(engine) as s:
        data = list_legal_events(s, str(cid))
    return [(e["event"], e["on"], e["actor"]) for e in data["events"]]


def test_objection_then_a_suit_decision_within_7_days(engine: Engine) -> None:
    cid = served_case(engine)
    out = record(engine, cid, E.PO_OBJECTION, date(2026, 11, 10))
    assert out["met"] == ["objection_window"] and not out["event"]["late"]
    assert (out["opened"]["kind"], out["opened"]["due"]) == ("suit_decision", "2026-11-17")
    out = record(engine, cid, E.PO_TERMINATION_RULING, date(2026, 11, 16))
    assert out["met"] == ["suit_decision"]
    assert out["opened"]["due"] == "2026-11-23"  # 7 days from the ruling (Arts. 438-439)
    assert "Art. 228" in out["opened"]["rule"]
    sweep(engine, date(2026, 11, 24))  # no refusal, no suit recorded: the suit counts as filed
    decision = milestones(engine, cid)["suit_decision"]
    assert decision.status == MilestoneStatus.MISSED
    assert "Art. 439" in (decision.reason or "")
    # the litigation track is open after the ruling, though the case is still in payment_order
    record(engine, cid, E.LIT_FILED, date(2026, 11, 25))


def test_a_suit_filed_in_time_meets_the_suit_decision(engine: Engine) -> None:
    cid = served_case(engine)
    record(engine, cid, E.PO_OBJECTION, date(2026, 11, 10))
    record(engine, cid, E.PO_TERMINATION_RULING, date(2026, 11, 16))
    out = record(engine, cid, E.LIT_FILED, date(2026, 11, 20))
    assert out["met"] == ["suit_decision"]


def test_a_late_objection_is_recorded_and_ignored(engine: Engine) -> None:
    cid = served_case(engine)
    out = record(engine, cid, E.PO_OBJECTION, date(2026, 11, 18))
    assert out["event"]["late"] and out["met"] == [] and out["opened"] is None
    assert "suit_decision" not in milestones(engine, cid)
    sweep(engine, date(2026, 11, 19))
    assert milestones(engine, cid)["objection_window"].status == MilestoneStatus.MET
    assert list_legal_events_of(engine, cid)[-1][0] == "payment-order.effective"
    with Session(engine) as s:
        late = s.exec(select(LegalEventRow).where(LegalEventRow.late)).one()
        assert late.case_id == cid
        lines = s.exec(select(TimelineEvent).where(TimelineEvent.event == ev.LEGAL_EVENT,
                       TimelineEvent.as_of == date(2026, 11, 18))).all()  # fmt: skip
        objection = [t.detail for t in lines if t.detail.startswith("payment-order.objection")]
        assert len(objection) == 1 and "late" in objection[0] and "no effect" in objection[0]


def test_not_served_within_30_days_ends_the_procedure(engine: Engine) -> None:
    cid = new_case(engine)
    record(engine, cid, E.PO_FILED, date(2026, 10, 20))
    record(engine, cid, E.PO_ACCEPTED, date(2026, 10, 22))
    record(engine, cid, E.PO_ISSUED, date(2026, 10, 28))
    service = milestones(engine, cid)["service"]
    assert service.due == date(2026, 11, 27)  # 30 days (SPC CPL interpretation Art. 430)
    sweep(engine, date(2026, 11, 27))
    assert milestones(engine, cid)["service"].status == MilestoneStatus.OPEN
    sweep(engine, date(2026, 11, 30))
    service = milestones(engine, cid)["service"]
    assert service.status == MilestoneStatus.MISSED
    assert "procedure ends" in (service.reason or "")
    with Session(engine) as s:
        line = s.exec(select(TimelineEvent).where(TimelineEvent.event == ev.STATUTORY_MISSED)).one()
    assert line.case_id == cid and "Art. 430" in line.detail
    # recording the failed service is allowed, and a new application after it
    record(engine, cid, E.PO_NOT_SERVED, date(2026, 11, 30))
    record(engine, cid, E.PO_FILED, date(2026, 12, 1))


@pytest.mark.parametrize("cycle_engine", ["sql", "python"])
def test_enforcement_deadline_counts_from_the_performance_period_end_not_stage_entry(
    engine: Engine, cycle_engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", cycle_engine)
    cid = new_case(engine, Stage.LITIGATION, date(2026, 3, 2))
    for step, on in [(E.LIT_FILED, date(2026, 3, 5)), (E.LIT_ACCEPTED, date(2026, 3, 10)),
                     (E.LIT_JUDGMENT, date(2026, 6, 1)), (E.LIT_JUDGMENT_SERVED, date(2026, 6, 5)),
                     (E.LIT_EFFECTIVE, date(2026, 6, 22))]:  # fmt: skip
        record(engine, cid, step, on)
    out = record(engine, cid, E.LIT_PERFORMANCE_END, date(2026, 7, 2))
    expected = statutory_deadline(PeriodEvent.PERFORMANCE_DUE, date(2026, 7, 2), CAL)
    assert out["opened"]["due"] == expected.deadline.isoformat()
    assert expected.deadline.year == 2028 and expected.deadline.month == 7
    # the case enters enforcement months later: the deadline does not move, nor is it waived
    with Session(engine) as s:
        case = s.get(Case, cid)
        assert case is not None
        case.stage, case.stage_entered_on = Stage.ENFORCEMENT, date(2026, 12, 1)
        s.add(case)
        s.commit()
    run_day(engine, date(2026, 12, 1), PolicyBundle.load(None))
    run_day(engine, date(2026, 12, 2), PolicyBundle.load(None))
    enf = milestones(engine, cid)["enforcement_application"]
    assert (enf.status, enf.due, enf.opened_on) == (
        MilestoneStatus.OPEN, expected.deadline, date(2026, 7, 2)
    )  # fmt: skip
    with Session(engine) as s:
        ladder = s.exec(select(Milestone).where(Milestone.case_id == cid,
                        col(Milestone.legal_event_id).is_(None))).all()  # fmt: skip
    assert [m.kind for m in ladder if m.stage == Stage.ENFORCEMENT] == ["enforcement_applied"]
    assert all(m.rule is None for m in ladder)  # no statutory milestone from stage entry
    out = record(engine, cid, E.ENF_APPLIED, date(2026, 12, 3))
    assert out["met"] == ["enforcement_application"]


def test_a_track_the_case_has_not_reached_is_refused_unless_forced(engine: Engine) -> None:
    cid = new_case(engine, Stage.LAWYER_LETTER)
    with pytest.raises(DuecourseError, match="in stage lawyer_letter: payment-order events need "
                       "stage payment_order"):  # fmt: skip
        record(engine, cid, E.PO_FILED, date(2026, 12, 1))
    with pytest.raises(InputError, match="--force needs --as a user of the legal role"):
        record(engine, cid, E.PO_FILED, date(2026, 12, 1), force=True, user=COLLECTOR)
    out = record(engine, cid, E.PO_FILED, date(2026, 12, 1), force=True)
    assert out["event"]["forced"] is True


def test_order_and_dates_are_checked_in_one_line(engine: Engine) -> None:
    cid = new_case(engine)
    with pytest.raises(InputError, match=r"payment-order.served cannot come first"):
        record(engine, cid, E.PO_SERVED, date(2026, 12, 1))
    with pytest.raises(InputError, match="is in the future"):
        record(engine, cid, E.PO_FILED, date(2027, 1, 1))
    record(engine, cid, E.PO_FILED, date(2026, 12, 10))
    with pytest.raises(InputError, match=r"before payment-order.filed on 2026-12-10"):
        record(engine, cid, E.PO_ACCEPTED, date(2026, 12, 9))


def test_a_court_paper_is_stored_with_its_hash(engine: Engine, tmp_path: Path) -> None:
    cid = new_case(engine)
    paper = tmp_path / "受理通知书.pdf"
    paper.write_bytes(b"%PDF-1.4 court acceptance notice")
    docs = tmp_path / "documents"
    out = record(engine, cid, E.PO_FILED, date(2026, 12, 1), document=paper, documents_dir=docs)
    with Session(engine) as s:
        doc = s.get(Document, out["event"]["document_id"])
    assert doc is not None and doc.kind == "court_document" and doc.case_id == cid
    assert doc.sha256 == hashlib.sha256(paper.read_bytes()).hexdigest()
    assert (docs / doc.path).read_bytes() == paper.read_bytes()
    with pytest.raises(InputError, match=r"--document: .* is not a readable file"):
        record(engine, cid, E.PO_ACCEPTED, date(2026, 12, 2), document=tmp_path / "none.pdf",
               documents_dir=docs)  # fmt: skip


def test_the_open_deadline_is_listed(engine: Engine) -> None:
    cid = served_case(engine, date(2026, 11, 2) + timedelta(days=7))
    with Session(engine) as s:
        data = list_legal_events(s, str(cid))
    assert [d["kind"] for d in data["open_deadlines"]] == ["objection_window"]
    assert data["open_deadlines"][0]["due"] == "2026-11-24"
    assert data["tracks"] == ["payment-order"]


@pytest.mark.parametrize("cycle_engine", ["sql", "python"])
def test_a_recorded_filing_meets_the_ladders_payment_order_filed(
    engine: Engine, cycle_engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_CYCLE_ENGINE", cycle_engine)
    cid = new_case(engine, Stage.PAYMENT_ORDER, date(2026, 12, 1))
    run_day(engine, date(2026, 12, 1), PolicyBundle.load(None))
    record(engine, cid, E.PO_FILED, date(2026, 12, 2))
    run_day(engine, date(2026, 12, 3), PolicyBundle.load(None))
    with Session(engine) as s:
        ladder = s.exec(select(Milestone).where(Milestone.case_id == cid,
                        Milestone.kind == "payment_order_filed")).one()  # fmt: skip
    assert (ladder.status, ladder.reason) == (
        MilestoneStatus.MET,
        "payment_order_filed on 2026-12-02",
    )
    assert milestones(engine, cid)["court_acceptance"].status == MilestoneStatus.OPEN


def test_each_step_is_on_the_audit_chain(engine: Engine) -> None:
    cid = new_case(engine)
    record(engine, cid, E.PO_FILED, date(2026, 12, 1))
    record(engine, cid, E.PO_ACCEPTED, date(2026, 12, 3))
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT subject_type, case_id, actor, data FROM audit_entry "
            "WHERE action = 'legal_event' ORDER BY id"
        ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("legal_event", cid, "law.xu")] * 2
    assert "payment-order.accepted" in rows[1][3] and "court_acceptance" in rows[1][3]


def test_the_daily_cycle_records_the_order_effective_too(engine: Engine) -> None:
    cid = served_case(engine)  # the objection window ends 2026-11-17
    result = run_day(engine, date(2026, 11, 18), PolicyBundle.load(None))
    assert result["actions"].get("payment_order_effective") == 1
    assert list_legal_events_of(engine, cid)[-1] == (
        "payment-order.effective", "2026-11-18", "deadline-check"
    )  # fmt: skip
    again = run_day(engine, date(2026, 11, 19), PolicyBundle.load(None))
    assert "payment_order_effective" not in again["actions"]
