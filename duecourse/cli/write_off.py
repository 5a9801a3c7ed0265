"""`duecourse write-off CASE --note TEXT --as USER`: ask for a write-off (账销案存) review."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, settings
from rules.errors import NotFoundError
from tasks.policy import load_policy, load_roster
from tasks.write_off import request_write_off


@app.command("write-off")
def write_off_command(
    ctx: typer.Context,
    case_ref: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    note: Annotated[str, typer.Option("--note", help="Why the claim is written off.")],
    as_user: Annotated[str, typer.Option("--as", help="Who asks (a roster name).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Open a review of the move to written_off: off the books, still under recovery (payments
    allocated, limitation watched). Another person of the ladder's role decides it."""
    s = settings(ctx)
    user = next((u for u in load_roster(s.policy_dir) if u.name == as_user), None)
    if user is None:
        raise NotFoundError(f"--as: {as_user!r} is not in the roster (duecourse users)")
    with Session(s.engine) as session:
        review = request_write_off(
            session, case_ref, user=user, note=note, policy=load_policy(s.policy_dir)
        )
        session.commit()
    if json_out:
        emit_json(review)
        return
    console.print(
        f"review {review['id']}: case {review['case_id']} -> written_off, needs "
        f"{review['required_role'].value} (not {user.name}); the next daily cycle moves it once "
        "approved"
    )
