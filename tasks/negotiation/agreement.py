"""The repayment agreement (个性化分期还款协议, 2011 rules Art. 70) of an approved plan.

Rendered as PDF and DOCX through the document engine when a checker approves the plan, in the
approval's own transaction: its number (`RA-YEAR-NNNNNN`), its document rows (SHA-256, template
version, the data it was rendered from) and the plan's approval are stored together or not at
all. Its files are written first, as every document's are (tasks/documents.py): a rollback
leaves them as orphans, which `documents verify` lists.

It states the balance by head on the day the plan was proposed: the schedule was built from it.
If payments since then have changed what is owed, the schedule no longer fits the debt and the
approval is refused (reject it and propose a new plan). The agreement is dated the day it is
made (tasks/document_dating.py: never backdated), and is not a demand for payment.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from documents.data import prepare, to_jsonable
from documents.manifest import Format, Manifest
from documents.registry import get_manifest
from models import CardAccount, Case, Customer, Document, DocumentNumber
from models.plan import RepaymentPlan
from rules.allocation import Head
from rules.amounts import fen_to_yuan, format_yuan, yuan_to_fen
from rules.enums import PlanKind
from rules.errors import DuecourseError
from tasks.audit import document_stored, record_many
from tasks.bank import load_bank, refuse_demo_values
from tasks.document_dating import check_new_document_date
from tasks.document_numbers import numbers_in
from tasks.documents import (
    _content,
    _write_atomic,
    idempotency_key,
    relative_path,
    sha256_bytes,
)
from tasks.negotiation.plan_views import AGREEMENT_KIND, installments_of
from tasks.payments.record import outstanding
from tasks.policy_dir import resolve_policy_dir


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def structure(plan: RepaymentPlan, amounts: list[str]) -> str:
    """The plan's kind in the agreement's words (the months and instalments follow it)."""
    if plan.kind is PlanKind.MINIMUM_PAYMENT and len(amounts) > 1:
        return (
            f"最低还款（前 {len(amounts) - 1} 期每期偿还人民币 {format_yuan(amounts[0])} 元，"
            "最后一期偿还余额）"
        )
    return {
        PlanKind.INSTALLMENTS: "分期还款",
        PlanKind.DEFERRAL: "延期还款",
        PlanKind.MINIMUM_PAYMENT: "最低还款",
        PlanKind.FEE_WAIVER: "减免费用后分期还款",
    }[plan.kind]


def agreement_data(
    session: Session, plan: RepaymentPlan, *, day: date, grace_days: int
) -> dict[str, Any]:
    """The agreement's fields (without its number); refused when the debt no longer fits."""
    assert plan.id is not None
    case = session.get(Case, plan.case_id)
    assert case is not None
    customer = session.get(Customer, case.customer_id)
    account = session.get(CardAccount, case.account_id)
    assert customer is not None and account is not None
    owed = outstanding(session, case, plan.proposed_on)
    heads = {h: max(v, 0) for h, v in owed.items()}
    if sum(heads.values()) != yuan_to_fen(plan.balance):
        raise DuecourseError(
            f"plan {plan.id}: case {case.id} owed {format_yuan(plan.balance)} when it was "
            "proposed and the figures of that day now say otherwise (a payment since?): "
            "reject it and propose a new plan"
        )
    rows = installments_of(session, plan.id)
    amounts = [str(i.amount) for i in rows]
    return {
        "agreement_date": day,
        "plan_id": plan.id,
        "amounts_as_of": plan.proposed_on,
        "debtor_name": customer.name,
        "id_number": customer.id_number,
        "card": account.card_number or "",
        "principal": _yuan(heads[Head.PRINCIPAL]),
        "interest": _yuan(heads[Head.INTEREST]),
        "fees": _yuan(heads[Head.FEES]),
        "balance": plan.balance,
        "waived_fees": plan.waived_fees,
        "total": plan.total,
        "kind": plan.kind.value,
        "structure": structure(plan, amounts),
        "months": plan.months,
        "installment_count": len(rows),
        "accrues_interest": plan.accrues_interest,
        "accrues_fees": plan.accrues_fees,
        "schedule": [[i.seq, _cn(i.due_on), str(i.amount)] for i in rows],
        "grace_days": grace_days,
    }


def _yuan(fen: int) -> str:
    return str(fen_to_yuan(fen))


def render_agreement(
    session: Session, plan: RepaymentPlan, *, day: date, documents_dir: Path, grace_days: int
) -> list[Document]:
    """Render and store the plan's agreement in every format (flushed; the caller commits)."""
    manifest = get_manifest(AGREEMENT_KIND)
    assert manifest.number_prefix is not None and plan.id is not None
    bank = load_bank(resolve_policy_dir())
    refuse_demo_values(bank)
    case_id = plan.case_id
    check_new_document_date(session, manifest.kind, [case_id], day)
    keys = [idempotency_key(manifest.kind, case_id, day, fmt) for fmt in manifest.formats]
    taken = session.exec(select(Document).where(col(Document.idempotency_key).in_(keys))).first()
    if taken is not None:
        raise DuecourseError(
            f"case {case_id} already has a repayment agreement dated {day} ({taken.number}): "
            "approve this plan another day"
        )
    data = agreement_data(session, plan, day=day, grace_days=grace_days)
    number = numbers_in(session.connection(), manifest.number_prefix, day.year, 1)[0]
    session.add(DocumentNumber(kind=manifest.kind, case_id=case_id, as_of=day, number=number))
    context = prepare(manifest, {**data, "number": number, "bank": bank.template_map()})
    docs = [
        _store(
            manifest,
            context,
            fmt,
            case_id=case_id,
            day=day,
            number=number,
            documents_dir=documents_dir,
        )
        for fmt in manifest.formats
    ]
    session.add_all(docs)
    session.flush()
    record_many(session, [document_stored(doc) for doc in docs])  # the audit chain
    return docs


def _store(
    manifest: Manifest,
    context: dict[str, Any],
    fmt: Format,
    *,
    case_id: int,
    day: date,
    number: str,
    documents_dir: Path,
) -> Document:
    """Write one format's file and return its (unsaved) row, as tasks/documents.py does."""
    content, layout = _content(manifest, context, fmt, day)
    rel = relative_path(manifest, case_id, day, number, fmt)
    _write_atomic(documents_dir / rel, content)

    return Document(
        case_id=case_id,
        kind=manifest.kind,
        number=number,
        format=fmt.value,
        as_of=day,
        path=rel,
        sha256=sha256_bytes(content),
        size=len(content),
        pages=len(layout.pages) if layout is not None else None,
        template=f"{manifest.kind}/{manifest.template_path(fmt).name}",
        template_version=manifest.version,
        data=json.dumps(to_jsonable(context), ensure_ascii=False, sort_keys=True),
        idempotency_key=idempotency_key(manifest.kind, case_id, day, fmt),
    )
