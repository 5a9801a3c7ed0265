"""`duecourse plan propose|show`: repayment plans (个性化分期还款, 2011 rules Art. 70).

The proposer (`--as`, from the roster) states the structure; the schedule is built from what
the case owes today and a review of kind `plan` goes to the policy's approver role, which
decides it with `duecourse review approve|reject ID --as USER` (never the proposer).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, parse_date, parse_enum, settings
from rules.amounts import format_yuan
from rules.enums import PlanKind
from rules.terminal_text import terminal_text
from tasks.case_file import find_case
from tasks.contacts.queue import roster_user
from tasks.negotiation.plans import plans_for_case, propose_plan
from tasks.policy import load_roster

plan_app = typer.Typer(help="Repayment plans: propose one, show a case's.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
KINDS = ", ".join(k.value for k in PlanKind)


def plan_lines(plan: dict[str, Any]) -> list[str]:
    """A plan as people read it: its heading line, then one line per instalment."""
    waived = f", fees {format_yuan(plan['waived_fees'])} waived" if plan["waived_fees"] else ""
    accrual = [n for n, on in (("interest", plan["accrues_interest"]),
                               ("fees", plan["accrues_fees"])) if on]  # fmt: skip
    decided = ""
    if plan["decided_by"]:
        decided = f"  decided by {terminal_text(plan['decided_by'])} on {plan['decided_on']}"
    agreement = f"  agreement {plan['agreement_number']}" if plan["agreement_number"] else ""
    lines = [
        f"plan {plan['id']}  {plan['kind'].value}  {plan['status'].value}  "
        f"{plan['months']} months  total {format_yuan(plan['total'])}{waived}  "
        f"accrues {' and '.join(accrual) or 'nothing'}",
        f"  proposed by {terminal_text(plan['proposed_by'])} on {plan['proposed_on']}  "
        f"review {plan['review_id']}{decided}{agreement}",
    ]
    for i in plan["schedule"]:
        paid = f"  paid {format_yuan(i['paid'])}" if i["paid"] else ""
        paid += f" on {i['paid_on']}" if i["paid_on"] else ""
        lines.append(
            f"  {i['seq']:>3}  {i['due_on']}  {format_yuan(i['amount']):>14}  "
            f"{i['status'].value}{paid}"
        )
    return lines


@plan_app.command("propose")
def propose_command(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of: {KINDS}.")],
    user: Annotated[str, typer.Option("--as", help="Who proposes it (from the roster).")],
    months: Annotated[
        int | None,
        typer.Option(
            "--months",
            help="Monthly instalments (at most 60: 2011 rules Art. 70), or months deferred.",
        ),
    ] = None,
    first_due: Annotated[
        str | None,
        typer.Option(
            "--first-due", help="YYYY-MM-DD of the first instalment (default: a month on)."
        ),
    ] = None,
    waive_fees: Annotated[bool, typer.Option("--waive-fees", help="Waive the fees.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="Why this plan.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Propose a repayment plan on a case; a review goes to the checker (maker-checker)."""
    s = settings(ctx)
    plan_kind = parse_enum(PlanKind, kind, "--kind")
    due = parse_date(first_due, "--first-due") if first_due is not None else None
    proposer = roster_user(load_roster(s.policy_dir), user)
    with Session(s.engine) as session:
        plan = propose_plan(
            session, case_ref, kind=plan_kind, months=months, first_due=due,
            waive_fees=waive_fees, note=note, user=proposer,
        )  # fmt: skip
        session.commit()
    if json_out:
        emit_json(plan)
        return
    for line in plan_lines(plan):
        console.print(line, markup=False, soft_wrap=True)
    console.print(
        f"review {plan['review_id']} awaits the checker: duecourse review approve "
        f"{plan['review_id']} --as USER",
        markup=False,
    )


@plan_app.command("show")
def show_command(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    json_out: JsonOpt = False,
) -> None:
    """A case's plans, newest first, each with its schedule and what was paid."""
    with Session(settings(ctx).engine) as session:
        case = find_case(session, case_ref)
        assert case.id is not None
        plans = plans_for_case(session, case.id)
    if json_out:
        emit_json({"case_id": case.id, "count": len(plans), "plans": plans})
        return
    if not plans:
        console.print(f"case {case.id}: no repayment plan", markup=False)
    for plan in plans:
        for line in plan_lines(plan):
            console.print(line, markup=False, soft_wrap=True)
