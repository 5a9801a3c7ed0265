"""The data of court filings, built from the store: payment-order application (支付令申请书),
civil complaint (民事起诉状), evidence list (证据清单), enforcement application (强制执行申请书) and
pre-suit preservation application (诉前财产保全申请书).

Each names the bank (policy/bank.yaml) and who signs for it (courts.yaml `litigant`), the debtor
(the full ID number: a court needs it, CPL 2023 Art. 124(2); the manifests list it in
`unmasked_id_fields`), the claim as of the latest balances in figures and capitals, the court by
the jurisdiction table (rules/jurisdiction.py) and the fee (rules/fees.py). The evidence list
names the card agreement, the statements, every delivered demand with its proof (channel, date,
letter number, tracking number), the lawyer's letter and its receipt, and the payment-order
record (the court steps on the `legal_event` table) if any.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from documents.registry import get_manifest
from models import Contact, Document
from rules.enums import Channel
from rules.errors import DuecourseError, NotFoundError
from rules.fees import FeeKind, court_fee
from rules.jurisdiction import CourtChoice, FilingKind, choose_court
from rules.payment_order import payment_order_fee, suit_top_up
from tasks.courts import load_courts
from tasks.letter_data import CaseFigures, LetterContext, fee_lines, read_figures
from tasks.policy_dir import resolve_policy_dir

LAWYER_LETTER = "lawyer_letter"
CHANNEL_WORDS = {Channel.MAIL: "挂号信", Channel.SMS: "短信", Channel.EMAIL: "电子邮件"}
UNKNOWN_BASIS = "（生效法律文书名称及案号：由经办律师填写）"


def debtor_sex(id_number: str) -> str:
    """男 / 女 from a resident ID number (GB 11643: the 17th digit, odd for men; the 15th of a
    15-digit number); "" when it cannot be read."""
    digit = id_number[16:17] if len(id_number) == 18 else id_number[14:15]
    if not digit.isdigit():
        return ""
    return "男" if int(digit) % 2 else "女"


@dataclass(frozen=True)
class Demand:
    """A delivered written demand with its proof."""

    title: str
    number: str
    channel: Channel
    sent_on: date
    delivered_on: date | None
    tracking_number: str
    proof_ref: str
    template: str

    def detail(self) -> str:
        parts = [CHANNEL_WORDS.get(self.channel, self.channel.value), f"发出 {self.sent_on}"]
        if self.delivered_on:
            parts.append(f"送达 {self.delivered_on}")
        if self.number:
            parts.append(f"编号 {self.number}")
        if self.tracking_number:
            parts.append(f"邮件号 {self.tracking_number}")
        elif self.proof_ref:
            parts.append(f"凭证 {self.proof_ref}")
        return "，".join(parts)


def _title(kind: str | None) -> str:
    if not kind:
        return "催收通知"
    try:
        return get_manifest(kind).title
    except NotFoundError:
        return kind


def delivered_demands(session: Session, case_id: int) -> list[Demand]:
    """Every delivered written demand of a case (contact `demand: true`), oldest first."""
    rows = session.exec(
        select(Contact, Document.number)
        .join(Document, col(Document.id) == Contact.document_id, isouter=True)
        .where(Contact.case_id == case_id, col(Contact.demand).is_(True))
        .order_by(col(Contact.at), col(Contact.id))
    ).all()
    return [
        Demand(
            title=_title(c.template), number=number or "", channel=c.channel, sent_on=c.as_of,
            delivered_on=c.delivered_on, tracking_number=c.tracking_number or "",
            proof_ref=c.proof_ref or "", template=c.template or "",
        )
        for c, number in rows
    ]  # fmt: skip


def court_steps(session: Session, case_id: int) -> list[tuple[str, date, str]]:
    """(event, date, note) of the case's recorded court steps (`legal_event`), oldest first;
    empty where the table does not exist."""
    conn = session.connection()
    if not sa.inspect(conn).has_table("legal_event"):
        return []
    t = sa.table("legal_event", sa.column("case_id"), sa.column("event"), sa.column("on"),
                 sa.column("note"), sa.column("id"))  # fmt: skip
    rows = conn.execute(
        sa.select(t.c.event, t.c.on, t.c.note)
        .where(t.c.case_id == case_id)
        .order_by(t.c.on, t.c.id)
    ).all()
    return [(str(e), d if isinstance(d, date) else date.fromisoformat(str(d)), n or "")
            for e, d, n in rows]  # fmt: skip


TERMINATION_RULING = "payment-order.termination-ruling-received"
# Court steps (rules/legal_track.py LegalEvent values) as a filing names them.
STEP_WORDS = {
    "payment-order.filed": "申请支付令",
    "payment-order.accepted": "法院受理",
    "payment-order.rejected": "法院驳回申请",
    "payment-order.issued": "法院发出支付令",
    "payment-order.served": "支付令送达",
    "payment-order.not-served": "支付令未能送达",
    "payment-order.objection": "债务人提出异议",
    TERMINATION_RULING: "收到终结督促程序裁定",
    "payment-order.effective": "支付令生效",
    "litigation.effective": "判决生效",
}


def step_words(event: str) -> str:
    """A court step in the filing's words (the stored name where none is known)."""
    return STEP_WORDS.get(event, event)


def after_objection(session: Session, case_id: int) -> bool:
    """Whether a payment order of the case ended on the debtor's objection (the termination
    ruling, CPL 2023 Art. 228): the suit then tops up the acceptance fee, the payment-order fee
    paid counting toward it (rules/fees.py). A payment order rejected or never served earns no
    credit: the suit pays the whole fee."""
    return any(event == TERMINATION_RULING for event, _, _ in court_steps(session, case_id))


def _lawyer_letter(session: Session, case_id: int) -> Document | None:
    return session.exec(
        select(Document)
        .where(Document.case_id == case_id, Document.kind == LAWYER_LETTER)
        .order_by(col(Document.as_of).desc(), col(Document.id).desc())
    ).first()


def _item(seq: int, name: str, source: str, proves: str, detail: str = "") -> dict[str, str]:
    return {"seq": str(seq), "name": name, "source": source, "proves": proves, "detail": detail}


def evidence_items(session: Session, f: CaseFigures) -> list[dict[str, str]]:
    """The evidence list's rows: agreement, statements, each delivered demand with its proof,
    the lawyer's letter and its receipt, the payment-order record."""
    assert f.case.id is not None
    card = f.account.card_number or ""
    tail = card[-4:] if card else ""
    items = [
        _item(1, "《信用卡领用合约》及信用卡申请表", "申请人/原告存档原件",
              "双方之间的信用卡合同关系及约定的还款、利息和费用条款"),
        _item(2, f"信用卡（尾号{tail}）对账单及交易明细", "申请人/原告业务系统",
              f"透支本金、利息、费用的数额及逾期事实（计至{f.amounts_as_of}）"),
    ]  # fmt: skip
    demands = delivered_demands(session, f.case.id)
    for d in (d for d in demands if d.template != LAWYER_LETTER):
        source = (
            "申请人/原告寄送记录及邮政妥投记录"
            if d.channel is Channel.MAIL
            else "申请人/原告发送记录"
        )
        proves = "申请人/原告已向债务人催收，债务人收到后仍未还款"
        items.append(_item(len(items) + 1, f"《{d.title}》及送达凭证", source, proves, d.detail()))
    letter = _lawyer_letter(session, f.case.id)
    if letter is not None:
        receipts = [d for d in demands if d.template == LAWYER_LETTER]
        detail = (
            "；".join(d.detail() for d in receipts) or f"出具 {letter.as_of}，编号 {letter.number}"
        )
        items.append(_item(len(items) + 1, f"律师函（编号 {letter.number}）及送达回执",
                           "受托律师事务所出具，邮政妥投记录", "债务人经律师函催告后仍未还款",
                           detail))  # fmt: skip
    steps = court_steps(session, f.case.id)
    po = [
        f"{step_words(event)} {on}" for event, on, _ in steps if event.startswith("payment-order.")
    ]
    if po:
        items.append(_item(len(items) + 1, "支付令申请及法院文书", "人民法院",
                           "督促程序的经过（异议终结后转入诉讼）", "；".join(po)))  # fmt: skip
    return items


def _court(session: Session, f: CaseFigures, kind: FilingKind, ctx: LetterContext) -> CourtChoice:
    courts = load_courts(ctx.policy_dir or resolve_policy_dir())
    choice = choose_court(
        courts.rows(), kind, province=f.customer.province, address=f.customer.address,
        agreed=courts.agreed(),
    )  # fmt: skip
    if choice.court is None:
        raise DuecourseError(f"case {f.case.id}: {choice.reason}")
    return choice


def _common(session: Session, f: CaseFigures, as_of: date, ctx: LetterContext,
            kind: FilingKind) -> dict[str, Any]:  # fmt: skip
    if not f.customer.address:
        raise DuecourseError(f"case {f.case.id}: the debtor has no address on file for a filing")
    courts = load_courts(ctx.policy_dir or resolve_policy_dir())
    return {
        "filing_date": as_of,
        "bank": ctx.bank.template_map(),
        "litigant": courts.litigant.model_dump(mode="json"),
        "court": _court(session, f, kind, ctx).court,
        "debtor_name": f.customer.name,
        "debtor_sex": debtor_sex(f.customer.id_number),
        "debtor_id_number": f.customer.id_number,
        "debtor_address": f.customer.address,
        "card": f.account.card_number or "",
        "amounts_as_of": f.amounts_as_of,
        "due_date": f.account.due_date or f.amounts_as_of,
        "principal": f.principal,
        "interest": f.interest,
        "fee_lines": fee_lines(f),
        "total": f.total,
    }


def _fee(fee: Decimal | None) -> Decimal:
    assert fee is not None
    return fee


def payment_order_application(session: Session, f: CaseFigures, as_of: date,
                              ctx: LetterContext) -> dict[str, Any]:  # fmt: skip
    data = _common(session, f, as_of, ctx, FilingKind.PAYMENT_ORDER)
    assert f.case.id is not None
    demands = delivered_demands(session, f.case.id)
    return {
        **data,
        "demands": [f"《{d.title}》：{d.detail()}" for d in demands],
        "fee": _fee(payment_order_fee(f.total).fee),
    }


def civil_complaint(session: Session, f: CaseFigures, as_of: date,
                    ctx: LetterContext) -> dict[str, Any]:  # fmt: skip
    """The acceptance fee; after a payment order ended on an objection, the top-up (the
    payment-order fee paid counts toward it: rules/payment_order.suit_top_up)."""
    data = _common(session, f, as_of, ctx, FilingKind.SUIT)
    assert f.case.id is not None
    if after_objection(session, f.case.id):
        top = suit_top_up(f.total).top_up
        assert top is not None
        fee, paid, due = top.lawsuit_fee, top.payment_order_fee_paid, top.balance
    else:
        fee = _fee(court_fee(f.total, FeeKind.LAWSUIT).fee)
        paid, due = Decimal("0"), fee
    items = evidence_items(session, f)
    return {
        **data,
        "evidence": [f"{i['name']}（来源：{i['source']}）" for i in items],
        "fee": fee,
        "fee_paid": paid,
        "fee_due": due,
    }


def evidence_list(session: Session, f: CaseFigures, as_of: date,
                  ctx: LetterContext) -> dict[str, Any]:  # fmt: skip
    return {
        "filing_date": as_of,
        "bank": ctx.bank.template_map(),
        "court": _court(session, f, FilingKind.SUIT, ctx).court,
        "debtor_name": f.customer.name,
        "items": evidence_items(session, f),
    }


def enforcement_application(session: Session, f: CaseFigures, as_of: date,
                            ctx: LetterContext) -> dict[str, Any]:  # fmt: skip
    data = _common(session, f, as_of, ctx, FilingKind.ENFORCEMENT)
    assert f.case.id is not None
    effective = [
        f"{step_words(event)} {on}{f'（{note}）' if note else ''}"
        for event, on, note in court_steps(session, f.case.id)
        if event in ("litigation.effective", "payment-order.effective")
    ]
    return {
        **data,
        "basis": effective[-1] if effective else UNKNOWN_BASIS,
        "fee": _fee(court_fee(f.total, FeeKind.ENFORCEMENT).fee),
    }


def preservation_application(session: Session, f: CaseFigures, as_of: date,
                             ctx: LetterContext) -> dict[str, Any]:  # fmt: skip
    data = _common(session, f, as_of, ctx, FilingKind.PRESERVATION)
    return {**data, "fee": _fee(court_fee(f.total, FeeKind.PRESERVATION).fee)}


LegalBuilder = Callable[[Session, CaseFigures, date, LetterContext], dict[str, Any]]
LEGAL_BUILDERS: dict[str, LegalBuilder] = {
    "payment_order_application": payment_order_application,
    "civil_complaint": civil_complaint,
    "evidence_list": evidence_list,
    "enforcement_application": enforcement_application,
    "preservation_application": preservation_application,
}


def build_legal_data(
    session: Session, kind: str, case_ids: Sequence[int], as_of: date, ctx: LetterContext
) -> dict[int, dict[str, Any]]:
    """Each case's data for a filing kind as of `as_of` (the store assigns the number)."""
    builder = LEGAL_BUILDERS[kind]
    figures = read_figures(session, case_ids, as_of)
    return {case_id: builder(session, figures[case_id], as_of, ctx) for case_id in case_ids}
