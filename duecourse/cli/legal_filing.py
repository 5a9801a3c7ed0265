"""`duecourse legal next` and `duecourse legal package`: the next legal step of a case and the
filing packages (payment order, suit, enforcement, preservation)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from duecourse.cli.common import console, emit_json, parse_date, parse_enum, settings
from duecourse.cli.legal import legal_app
from rules.approval import may_decide
from rules.enums import Role
from rules.errors import DuecourseError, NotFoundError
from rules.jurisdiction import FilingKind
from tasks.bank import load_bank
from tasks.calendar import load_calendar
from tasks.case_file import find_case
from tasks.clock import today
from tasks.filing_package import PackageRequest, build_package
from tasks.legal_next import next_step_for_case
from tasks.policy import load_roster

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@legal_app.command("next", short_help="The next legal step after a lawyer's letter, and why.")
def legal_next(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default today).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Payment order where its preconditions hold (CPL 2023 Art. 225, SPC CPL interpretation
    2022 Art. 427), else a suit, once the lawyer's letter's deadline has passed unpaid with no
    plan, promise or dispute; `none` with what is still waiting before that."""
    day = parse_date(as_of)
    with Session(settings(ctx).engine) as session:
        found = find_case(session, case)
        assert found.id is not None
        answer = next_step_for_case(session, found.id, day)
    if json_out:
        emit_json({"case_id": found.id, "as_of": day, **answer.as_dict()})
        return
    console.print(f"case {found.id}: next step {answer.step.value}", markup=False)
    for reason in answer.reasons:
        console.print(f"  - {reason}", markup=False, soft_wrap=True)
    if answer.preconditions is not None:
        for check in answer.preconditions.checks:
            mark = "holds" if check.holds else "FAILS"
            console.print(
                f"  {mark:<5}  {check.condition.value}: {check.reason}  [{check.article}]",
                markup=False, soft_wrap=True,
            )  # fmt: skip


def _preparer(ctx: typer.Context, name: str | None) -> str | None:
    """The roster user preparing the filing: a legal decision, so the legal role."""
    if name is None:
        return None
    for user in load_roster(settings(ctx).policy_dir):
        if user.name == name:
            if not may_decide(user.role, Role.LEGAL):
                raise DuecourseError(
                    f"--as: a filing package needs the legal role; {name} is {user.role.value}"
                )
            return user.name
    raise NotFoundError(f"--as: {name!r} is not in the roster (duecourse users)")


@legal_app.command("package", short_help="A filing package: documents, fees, court, manifest, ZIP.")
def legal_package(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(metavar="CASE", help="Case id or account id.")],
    kind: Annotated[
        str, typer.Option("--kind", help="suit, payment-order, enforcement or preservation.")
    ],
    as_user: Annotated[
        str | None, typer.Option("--as", help="The legal user preparing it (roster name).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Build <home>/packages/<case>/<kind>-<date>/ and its ZIP: the documents (DOCX + PDF), the
    fee computation, the court by the jurisdiction table, the small-claims flag and a manifest
    of SHA-256 hashes. Dated today; asking again the same day returns the same package."""
    filing_kind = parse_enum(FilingKind, kind, "--kind")
    s = settings(ctx)
    preparer = _preparer(ctx, as_user)
    with Session(s.engine) as session:
        found = find_case(session, case)
        assert found.id is not None
    package = build_package(
        s.engine, PackageRequest(found.id, filing_kind, today(), preparer),
        home=s.home, documents_dir=s.documents_dir, policy_dir=s.policy_dir,
        bank=load_bank(s.policy_dir), calendar=load_calendar(s.policy_dir),
    )  # fmt: skip
    if json_out:
        emit_json(package.as_dict())
        return
    verb = "built" if package.created else "already built"
    console.print(f"{filing_kind.value} package for case {found.id} {verb}: {package.folder}",
                  markup=False, soft_wrap=True)  # fmt: skip
    for entry in package.files:
        console.print(f"  {entry['sha256'][:16]}  {entry['name']}", markup=False)
    court = package.filing.get("court") or {}
    small = package.filing.get("small_claims") or {}
    console.print(f"  court         {court.get('court')} ({court.get('basis')})", markup=False,
                  soft_wrap=True)  # fmt: skip
    console.print(f"  small claims  {small.get('reason')}", markup=False, soft_wrap=True)
    console.print(f"  zip           {package.zip_path}", markup=False, soft_wrap=True)
    console.print(f"  zip sha256    {package.zip_sha256}", markup=False)
