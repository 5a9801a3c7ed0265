"""The case page's promises and disputes: a promise's amount and dates, a dispute with its
review link and each evidence file's name, SHA-256 and link to the stored file (which is the
file handed in)."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from models import Dispute
from rules.enums import Channel, DisputeKind, DisputeStatus
from tasks.calendar import load_calendar
from tasks.negotiation.disputes import DisputeSetting, open_dispute
from tasks.negotiation.policy import load_negotiation_policy
from tasks.negotiation.promises import record_promise
from tasks.policy import load_policy, load_roster
from tests.web.conftest import LEGAL, SUPERVISOR, WebStore, signed_in_as


def test_case_page_shows_promises_and_disputes_with_evidence(
    client: TestClient, web_store: WebStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    case_id = web_store.case_ids[0]
    scan = tmp_path / "bank statement.pdf"
    content = b"%PDF-1.4 statement"
    scan.write_bytes(content)
    s = web_store.settings
    setting = DisputeSetting(
        negotiation=load_negotiation_policy(s.policy_dir), policy=load_policy(s.policy_dir),
        calendar=load_calendar(s.policy_dir), users=load_roster(s.policy_dir),
        documents_dir=s.documents_dir,
    )  # fmt: skip
    with Session(s.engine) as session:
        record_promise(session, str(case_id), Decimal("1234.5"), date(2026, 11, 20),
                       channel=Channel.CALL)  # fmt: skip
        dispute = open_dispute(session, str(case_id), DisputeKind.DISPUTED_CHARGES,
                               "annual fee charged twice", [scan], actor="demo.liqiang",
                               setting=setting)  # fmt: skip
        session.commit()
    signed_in_as(client, LEGAL)
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    text = page.text
    assert "1,234.50" in text and "2026-11-20" in text and "还款承诺" in text
    assert "disputed-charges" in text and "annual fee charged twice" in text
    assert f'href="/reviews/{dispute["review_id"]}"' in text
    evidence = dispute["evidence"][0]
    assert hashlib.sha256(content).hexdigest() in text and "bank statement.pdf" in text
    served = client.get(f"/documents/{evidence['document_id']}")
    assert served.status_code == 200 and served.content == content


def test_legal_upholds_a_disputed_charge_from_the_console(
    client: TestClient, web_store: WebStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A supervisor may not decide a legal dispute review; a legal user upholds it: the dispute
    is upheld, the flag cleared, and the flash says what the decision did."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    case_id = web_store.case_ids[1]
    s = web_store.settings
    setting = DisputeSetting(
        negotiation=load_negotiation_policy(s.policy_dir), policy=load_policy(s.policy_dir),
        calendar=load_calendar(s.policy_dir), users=load_roster(s.policy_dir),
        documents_dir=s.documents_dir,
    )  # fmt: skip
    with Session(s.engine) as session:
        dispute = open_dispute(session, str(case_id), DisputeKind.DISPUTED_CHARGES, "double fee",
                               [], actor="demo.liqiang", setting=setting)  # fmt: skip
        session.commit()
    review_id = dispute["review_id"]
    csrf = signed_in_as(client, SUPERVISOR)
    refused = client.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "ok"})
    assert refused.status_code == 403
    legal = TestClient(client.app, follow_redirects=False)
    csrf = signed_in_as(legal, LEGAL)
    done = legal.post(f"/reviews/{review_id}/approve", data={"csrf": csrf, "comment": "退还年费"})
    assert done.status_code == 303
    page = legal.get(f"/reviews/{review_id}", headers={"accept-language": "en"}).text
    assert "Upheld: the dispute is decided" in page
    with Session(s.engine) as session:
        row = session.get(Dispute, dispute["id"])
        assert row is not None and row.status is DisputeStatus.UPHELD
        assert (row.resolved_by, row.resolution) == (LEGAL, "退还年费")
