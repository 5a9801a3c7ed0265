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

from rules.enums import Channel, DisputeKind
from tasks.calendar import load_calendar
from tasks.negotiation.disputes import DisputeSetting, open_dispute
from tasks.negotiation.policy import load_negotiation_policy
from tasks.negotiation.promises import record_promise
from tasks.policy import load_policy, load_roster
from tests.web.conftest import LEGAL, WebStore, signed_in_as


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
