"""A collector's --reference is proof shown in the case file: personal data typed into it is
masked like the note's, and one longer than the proof column is refused in one line (it was
stored and printed as typed, and PostgreSQL refused a reference over 200 characters)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Contact
from rules.enums import CallOutcome, Channel, Stage
from rules.errors import InputError
from tasks.contacts.log import LogRequest, log_contact
from tests.factories import make_case
from tests.tasks.contacts.data import ANN, TUESDAY, cn, local


def _case(engine: Engine) -> int:
    with Session(engine) as s:
        case_id = int(make_case(s, dpd=10, stage=Stage.SOFT_REMINDER, owner="ann").id or 0)
        s.commit()
    return case_id


def _log(engine: Engine, case_id: int, reference: str, minute: int = 0) -> dict[str, object]:
    at = local(TUESDAY, 10, minute)
    request = LogRequest(str(case_id), Channel.CALL, CallOutcome.NO_ANSWER, at, reference=reference)
    with Session(engine, expire_on_commit=False) as s:
        return log_contact(s, request, ANN, cn()).contact


def test_personal_data_in_a_reference_is_masked(engine: Engine) -> None:
    case_id = _case(engine)
    shown = _log(engine, case_id, "REC-7 13812345678 110101199003077777")
    ref = str(shown["proof"]["ref"])  # type: ignore[index]
    assert ref.startswith("REC-7 ") and "13812345678" not in ref
    assert "110101199003077777" not in ref
    with Session(engine) as s:
        stored = s.exec(select(Contact).where(Contact.case_id == case_id)).one()
    assert stored.proof_ref == ref


def test_a_plain_reference_is_kept_and_a_blank_one_gets_the_call_reference(
    engine: Engine,
) -> None:
    case_id = _case(engine)
    assert _log(engine, case_id, "REC-2026-0001")["proof"] == {"ref": "REC-2026-0001"}
    made = _log(engine, case_id, "   ", minute=5)["proof"]
    assert made == {"ref": f"CALL-{case_id}-202611031005"}


def test_a_reference_longer_than_the_proof_column_is_refused(engine: Engine) -> None:
    case_id = _case(engine)
    with pytest.raises(InputError, match="--reference: longer than 200"):
        _log(engine, case_id, "R" * 201)
    with Session(engine) as s:
        assert s.exec(select(Contact).where(Contact.case_id == case_id)).first() is None
