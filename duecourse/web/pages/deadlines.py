"""`/deadlines`: open milestones due within N days (overdue ones too) and missed ones, high risk
first, with totals per owner: `duecourse deadlines` (tasks.milestones.deadline_list) for today.

A collector sees their own (and what was escalated to them), as their queue holds only their
cases; legal, supervisors and ops see everyone's and may pick an owner.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from duecourse.web.auth import signed_in
from duecourse.web.pages.common import render, settings_of
from rules.enums import Role
from rules.roster import User
from tasks.clock import today
from tasks.milestones import deadline_list

router = APIRouter()
SignedIn = Annotated[User, Depends(signed_in)]
LIMIT = 200


@router.get("/deadlines")
def deadlines_page(
    request: Request,
    user: SignedIn,
    within: Annotated[int, Query(ge=0, le=366)] = 3,
    owner: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    chosen = owner.strip() or None
    if user.role == Role.COLLECTOR:
        chosen = user.name
    day = today()
    with settings_of(request).engine.connect() as conn:
        data = deadline_list(conn, day, within, chosen, LIMIT)
    return render(
        request,
        "deadlines.html",
        user,
        {
            "day": day,
            "within": within,
            "owner": chosen or "",
            "may_choose_owner": user.role != Role.COLLECTOR,
            "data": data,
        },
    )
