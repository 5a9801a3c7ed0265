"""`duecourse review list|show|approve|reject`: the legal and supervisor review queue."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import SafeConsole, console, emit_json, parse_choice, parse_date, settings
from duecourse.cli.policy import WIDE
from duecourse.cli.review_picture import print_picture
from duecourse.cli.review_qualifies import print_qualifies
from rules.enums import DecisionVia, ReviewKind, ReviewStatus, Role
from rules.errors import NotFoundError
from rules.roster import User
from rules.terminal_text import terminal_text
from tasks.legal_qualify import review_qualifies
from tasks.policy import load_policy, load_roster
from tasks.review_picture import review_picture
from tasks.reviews import (
    ReviewWithdrawn,
    count_reviews,
    decide_review,
    list_reviews,
)

review_app = typer.Typer(help="Review queue: approve or reject escalations.", no_args_is_help=True)
app.add_typer(review_app, name="review")


def _user(ctx: typer.Context, name: str) -> User:
    for user in load_roster(settings(ctx).policy_dir):
        if user.name == name:
            return user
    raise NotFoundError(f"--as: {name!r} is not in the roster (duecourse users)")


def _decides(r: dict[str, Any]) -> str:
    """`formal_demand -> lawyer_letter` for a stage move; `plan 12` or `dispute 3` else."""
    if r["target_stage"] is not None:
        return f"{r['stage'].value} -> {r['target_stage'].value}"
    return str(r["subject"])


def _line(r: dict[str, Any]) -> str:
    decided = f" by {terminal_text(r['decided_by'])}" if r["decided_by"] else ""
    return (
        f"review {r['id']}  case {r['case_id']} ({terminal_text(r['account_id'])})  "
        f"{_decides(r)}  needs {r['required_role'].value}  "
        f"{r['status'].value}{decided}"
    )


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    status: Annotated[
        str, typer.Option("--status", help="pending, approved, rejected or all.")
    ] = "pending",
    role: Annotated[
        str | None, typer.Option("--role", help="Only reviews needing this role.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The queue, oldest first; times in Asia/Shanghai."""
    wanted_status = parse_choice(ReviewStatus, status, "--status")
    wanted_role = parse_choice(Role, role, "--role")
    with Session(settings(ctx).engine) as session:
        items = list_reviews(session, status=wanted_status, role=wanted_role, limit=limit)
        total = count_reviews(session, status=wanted_status, role=wanted_role)
    truncated = len(items) < total
    if json_out:
        emit_json(
            {
                "count": len(items),
                "total": total,
                "shown": len(items),
                "truncated": truncated,
                "reviews": items,
            }
        )
        return
    decided = any(r["decided_at"] for r in items)
    table = Table(title=f"{total} review(s)")
    columns = ["id", "case", "debtor", "from", "to", "role", "risk", "DPD", "balance", "opened"]
    for name in columns + (["decided (Shanghai)"] if decided else []):
        table.add_column(name)
    for r in items:
        row = [
            str(r["id"]), str(r["case_id"]), Text(terminal_text(r["debtor"])), r["stage"].value,
            r["target_stage"].value if r["target_stage"] else r["subject"],
            r["required_role"].value,
            r["risk"].value if r["risk"] else "-", str(r["dpd"]), f"{r['balance']:,.2f}",
            str(r["opened_on"]),
        ]  # fmt: skip
        if decided:
            at = r["decided_at"]
            row.append(at.strftime("%Y-%m-%d %H:%M") if at else "-")
        table.add_row(*row)
    out = console if console.is_terminal else SafeConsole(highlight=False, width=WIDE)  # piped
    out.print(table)
    if truncated:
        console.print(f"{len(items)} of {total} shown (--limit {limit}; raise it to see more)")


@review_app.command("show")
def review_show(
    ctx: typer.Context,
    review_id: Annotated[int, typer.Argument(metavar="ID")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """One review with what a lawyer needs to decide it: balance and history, contacts and
    delivered demands, promises, plans, disputes, documents, drafts and deadlines (masked)."""
    with Session(settings(ctx).engine) as session:
        item = review_picture(session, review_id)
        # a move to lawyer_letter: why the case qualifies (tasks/legal_qualify.py)
        item["qualifies"] = review_qualifies(session, item, load_policy(settings(ctx).policy_dir))
    if json_out:
        emit_json(item)
    else:
        console.print(_line(item), markup=False)
        if item["comment"]:  # masked (tasks.reviews), on one line
            console.print(f"  comment: {terminal_text(item['comment'])}", markup=False)
        print_picture(item)
        print_qualifies(item["qualifies"])


def _decide(
    ctx: typer.Context,
    review_id: int,
    user: str,
    comment: str | None,
    approve: bool,
    as_of: str | None,
    json_out: bool,
) -> None:
    reviewer = _user(ctx, user)
    day = parse_date(as_of) if as_of is not None else None  # None: today, per tasks.clock
    s = settings(ctx)
    with Session(s.engine) as session:
        try:
            item = decide_review(
                session, review_id, user=reviewer, approve=approve, comment=comment, as_of=day,
                via=DecisionVia.CLI, documents_dir=s.documents_dir,
            )  # fmt: skip
        except ReviewWithdrawn:
            session.commit()  # the withdrawal stands; the decision is refused (exit 1)
            raise
        session.commit()
    if json_out:
        emit_json(item)
    else:
        console.print(_line(item), markup=False)
        if approve and item["kind"] == ReviewKind.PLAN:
            console.print(
                f"plan {item['subject_id']} is current; its agreement is stored "
                f"(duecourse plan show {item['case_id']})"
            )
        elif approve:
            console.print("the next daily cycle moves the case (duecourse run-day)")


# When a decision was taken: default today; a day since the review was requested may be recorded.
DecidedOn = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The day the decision was taken (default today; not before the review was "
        "requested, not after today).",
    ),
]


@review_app.command("approve")
def review_approve(
    ctx: typer.Context,
    review_id: Annotated[int, typer.Argument(metavar="ID")],
    as_user: Annotated[str, typer.Option("--as", help="Reviewer (a roster name).")],
    comment: Annotated[str | None, typer.Option("--comment")] = None,
    as_of: DecidedOn = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Approve: the next daily cycle moves the case to the target stage."""
    _decide(ctx, review_id, as_user, comment, True, as_of, json_out)


@review_app.command("reject")
def review_reject(
    ctx: typer.Context,
    review_id: Annotated[int, typer.Argument(metavar="ID")],
    as_user: Annotated[str, typer.Option("--as", help="Reviewer (a roster name).")],
    comment: Annotated[str | None, typer.Option("--comment", help="Why (required).")] = None,
    as_of: DecidedOn = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Reject: the case stays where it is; the reason goes in its timeline."""
    _decide(ctx, review_id, as_user, comment, False, as_of, json_out)
