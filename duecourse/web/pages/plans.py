"""`POST /cases/{id}/plans`: propose a repayment plan from the case page, as `duecourse plan
propose` does (tasks.negotiation.plans.propose_plan), the proposer being the signed-in user.

Anyone who may see the case may propose (a collector their own cases: auth.may_see_case, 404
otherwise); the plan then waits in the review queue for the policy's approver role, and the
proposer can never decide it (maker-checker, tasks/reviews.decide_review). Terms the law or the
policy refuse (more than 60 instalments: 2011 rules Art. 70) come back on the case page as the
same one line the CLI prints, with the form as it was filled.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from duecourse.web.auth import checked_form, signed_in
from duecourse.web.pages.cases import visible_case_file
from duecourse.web.pages.common import redirect_with_flash, render, settings_of, store
from duecourse.web.pages.documents import document_status
from rules.enums import PlanKind
from rules.errors import DuecourseError, InputError
from rules.roster import User
from tasks.negotiation.plans import propose_plan

router = APIRouter()
SignedIn = Annotated[User, Depends(signed_in)]
Form = Annotated[FormData, Depends(checked_form)]


def _terms(form: FormData) -> dict[str, Any]:
    """The plan's terms from the form; InputError (one line) for a value that is not one."""
    text = {k: str(form.get(k) or "").strip() for k in ("kind", "months", "first_due", "note")}
    try:
        kind = PlanKind(text["kind"])
    except ValueError:
        raise InputError(f"kind: {text['kind']!r} is not a plan kind") from None
    months = None
    if text["months"]:
        if not text["months"].isascii() or not text["months"].isdigit():
            raise InputError(f"months: {text['months']!r} is not a whole number")
        months = int(text["months"])
    first_due = None
    if text["first_due"]:
        try:
            first_due = date.fromisoformat(text["first_due"])
        except ValueError:
            raise InputError(f"first due: {text['first_due']!r} is not a date") from None
    return {
        "kind": kind,
        "months": months,
        "first_due": first_due,
        "waive_fees": form.get("waive_fees") == "on",
        "note": text["note"] or None,
    }


@router.post("/cases/{case_id}/plans")
def propose(request: Request, case_id: int, user: SignedIn, form: Form) -> Response:
    """Store the proposed plan and open its review; on to the review page."""
    with store(request) as session:
        visible_case_file(session, user, case_id)  # 404 unless the user may see the case
        try:
            plan = propose_plan(session, str(case_id), user=user, **_terms(form))
        except DuecourseError as exc:
            session.rollback()
            return _case_page(request, user, case_id, str(exc), dict(form))
        session.commit()
    return redirect_with_flash(f"/reviews/{plan['review_id']}", "flash.plan_proposed")


def _case_page(
    request: Request, user: User, case_id: int, error: str, filled: dict[str, Any]
) -> Response:
    """The case page again, with the refusal and the form as it was filled (400)."""
    with store(request) as session:
        case_file = visible_case_file(session, user, case_id)
    documents_dir = settings_of(request).documents_dir
    statuses = {d["id"]: document_status(documents_dir, d) for d in case_file["documents"]}
    context = {
        "case": case_file, "document_status": statuses, "plan_error": error,
        "plan_form": {k: str(v) for k, v in filled.items() if k != "csrf"},
    }  # fmt: skip
    return render(request, "case.html", user, context, status_code=400)
