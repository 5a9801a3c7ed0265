"""`/cases/{id}`: the case file, as `duecourse case` shows it (tasks.case_file.build_case_file:
personal data masked, times in Asia/Shanghai), with each document's `documents verify` status.

404 for a case that does not exist and for one the user may not see (auth.may_see_case: a
collector sees only the cases they own), so the answer never tells the two apart.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from duecourse.web.auth import may_see_case, signed_in
from duecourse.web.pages.common import render, settings_of, store
from duecourse.web.pages.documents import document_status
from models import Case
from rules.enums import Role
from rules.errors import NotFoundError
from rules.roster import User
from tasks.bulk import MAX_ROW_ID
from tasks.case_file import build_case_file

router = APIRouter()
SignedIn = Annotated[User, Depends(signed_in)]


def visible_case_file(session: Session, user: User, case_id: int) -> dict[str, Any]:
    """The case file of `case_id`, or NotFoundError (404) when there is no such case or the
    user may not see it."""
    case = session.get(Case, case_id) if 0 < case_id <= MAX_ROW_ID else None
    if case is None or not may_see_case(user, case):
        raise NotFoundError(f"no case with id {case_id}")
    # the effective-demand evidence readiness is the legal role's only (domain.md section 5)
    return build_case_file(session, str(case_id), legal_view=user.role is Role.LEGAL)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, user: SignedIn) -> Response:
    with store(request) as session:
        case_file = visible_case_file(session, user, case_id)
    documents_dir = settings_of(request).documents_dir
    statuses = {d["id"]: document_status(documents_dir, d) for d in case_file["documents"]}
    return render(request, "case.html", user, {"case": case_file, "document_status": statuses})
