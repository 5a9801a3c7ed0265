"""The review queue and one review with its whole case: `/`, `/reviews`, `/reviews/{id}`, and
the decisions POST `/reviews/{id}/approve` and `/reviews/{id}/reject`.

The queue is `tasks.review_queue` (the review list's rows, filtered by kind, status and due,
each under its deadline, oldest first); a review page is `tasks.reviews.show_review` and the case
file `tasks.case_file.build_case_file` (personal data already masked); a decision is
`tasks.reviews.decide_review(..., via=web)`, the same task `duecourse review approve` calls,
which also enforces the role and four-eyes. The role is checked here first (a collector's forged
POST is refused 403 before the task runs) and a comment is required for both decisions in the
web (the CLI requires one for a rejection only): the signed-in reviewer's reason is the record.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from duecourse.web.auth import checked_form, may_see_case, require_role, signed_in
from duecourse.web.pages.common import redirect_with_flash, render, settings_of, store
from duecourse.web.pages.documents import document_status
from models import Case
from rules.approval import DECIDERS, may_decide
from rules.enums import DecisionVia, ReviewKind, ReviewStatus, Role, Stage
from rules.errors import DuecourseError, NotFoundError
from rules.roster import User
from tasks.case_file import build_case_file
from tasks.clock import today
from tasks.review_queue import QueueFilter, count_queue, deadlines_for, review_queue
from tasks.reviews import ReviewWithdrawn, decide_review, show_review

router = APIRouter()
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# the stages a review may ask to enter (the ladder's `review:` stages; the filter lists them all)
TARGETS: tuple[Stage, ...] = tuple(s for s in Stage if s not in {Stage.EARLY_WARNING})

SignedIn = Annotated[User, Depends(signed_in)]
Form = Annotated[FormData, Depends(checked_form)]


class DueFilter(StrEnum):
    """The queue's `due` filter: a review's deadline on or before a day."""

    ANY = "any"
    OVERDUE = "overdue"  # before today
    TODAY = "today"  # today or before
    WEEK = "week"  # within the next 7 days (overdue included)


DUE_DAYS = {DueFilter.OVERDUE: -1, DueFilter.TODAY: 0, DueFilter.WEEK: 7}
STATUSES = ("pending", "approved", "rejected", "withdrawn", "all")


def _choice(kind: type[StrEnum], value: str | None) -> Any:
    """An enum member from a query value; anything else (empty, unknown) is None (no filter)."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _filter(user: User, status: str, kind: str, due: str) -> QueueFilter:
    due_choice = _choice(DueFilter, due) or DueFilter.ANY
    days = DUE_DAYS.get(due_choice)
    return QueueFilter(
        status=None if status == "all" else _choice(ReviewStatus, status) or ReviewStatus.PENDING,
        target=_choice(Stage, kind),
        # a collector's queue holds the reviews of their own cases only (auth.may_see_case)
        owner=user.name if user.role == Role.COLLECTOR else None,
        due_by=today() + timedelta(days=days) if days is not None else None,
    )


@router.get("/")
def home(user: SignedIn) -> Response:
    """Signed in: the queue (nobody signed in is sent to /login by `signed_in`)."""
    return RedirectResponse("/reviews", status_code=303)


@router.get("/reviews")
def queue(
    request: Request,
    user: SignedIn,
    *,
    status: str = "pending",
    kind: str = "",
    due: str = "any",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> Response:
    """The queue, oldest first, `limit` a page."""
    f = _filter(user, status, kind, due)
    with store(request) as session:
        total = count_queue(session, f)
        items = review_queue(session, f, offset=(page - 1) * limit, limit=limit)
    chosen = {
        "status": status if status in STATUSES else "pending",
        "kind": f.target.value if f.target else "",
        "due": (_choice(DueFilter, due) or DueFilter.ANY).value,
        "limit": limit,
    }

    def page_url(n: int) -> str:
        return "/reviews?" + urlencode({**chosen, "page": n})

    first = (page - 1) * limit + 1 if items else 0
    return render(
        request,
        "reviews.html",
        user,
        {
            "reviews": items,
            "total": total,
            "first": first,
            "last": first + len(items) - 1 if items else 0,
            "chosen": chosen,
            "statuses": STATUSES,
            "targets": [s.value for s in TARGETS],
            "dues": [d.value for d in DueFilter],
            "previous_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if first + len(items) - 1 < total and items else None,
            "today": today(),
        },
    )


def _review_and_case(session: Session, user: User, review_id: int) -> tuple[dict[str, Any], Case]:
    """The review and its case, or NotFoundError (404) when either is missing or the user may
    not see the case: a collector learns nothing of another's reviews."""
    item = show_review(session, review_id)
    case = session.get(Case, item["case_id"])
    if case is None or not may_see_case(user, case):
        raise NotFoundError(f"no review with id {review_id}")
    return item, case


def _decision(user: User, item: dict[str, Any]) -> dict[str, Any]:
    """Whether `user` may decide the review here, and if not, why (for the page's note)."""
    pending = item["status"] == ReviewStatus.PENDING
    role_ok = may_decide(user.role, item["required_role"])
    own = item.get("requested_by") == user.name
    return {
        "pending": pending,
        "may": pending and role_ok and not own,
        "role_ok": role_ok,
        "own_request": own,
    }


def _review_page(
    request: Request,
    user: User,
    session: Session,
    review_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    comment: str = "",
) -> Response:
    item, case = _review_and_case(session, user, review_id)
    case_file = build_case_file(session, str(case.id))
    documents_dir = settings_of(request).documents_dir
    statuses = {d["id"]: document_status(documents_dir, d) for d in case_file["documents"]}
    return render(
        request,
        "review.html",
        user,
        {
            "review": item,
            "deadline": deadlines_for(session, [item]).get(item["id"]),
            "decision": _decision(user, item),
            "case": case_file,
            "document_status": statuses,
            "error": error,
            "comment": comment,
        },
        status_code=status_code,
    )


@router.get("/reviews/{review_id}")
def review_page(request: Request, review_id: int, user: SignedIn) -> Response:
    """One review with the whole case, and the decision forms for those who may decide it."""
    with store(request) as session:
        return _review_page(request, user, session, review_id)


def _decide(
    request: Request, user: User, session: Session, review_id: int, form: FormData, *,
    approve: bool,
) -> Response:  # fmt: skip
    item, _ = _review_and_case(session, user, review_id)
    require_role(user, *sorted(DECIDERS[item["required_role"]]))  # 403 for a forged form
    comment = str(form.get("comment") or "").strip()
    if not comment:
        return _review_page(
            request, user, session, review_id, error="review.comment_required", status_code=400
        )
    try:
        decide_review(
            session, review_id, user=user, approve=approve, comment=comment, via=DecisionVia.WEB,
            documents_dir=settings_of(request).documents_dir,
        )  # fmt: skip
    except ReviewWithdrawn:
        session.commit()  # the withdrawal stands; nothing was decided
        return redirect_with_flash(f"/reviews/{review_id}", "flash.withdrawn")
    except DuecourseError as exc:  # decided meanwhile, four-eyes, a day out of range: one line
        session.rollback()
        return _review_page(
            request, user, session, review_id, error=str(exc), status_code=409, comment=comment
        )
    session.commit()
    if item["kind"] == ReviewKind.PLAN:
        flash = "flash.plan_approved" if approve else "flash.plan_rejected"
    elif item["kind"] == ReviewKind.DISPUTE:
        flash = "flash.dispute_upheld" if approve else "flash.dispute_rejected"
    else:
        flash = "flash.approved" if approve else "flash.rejected"
    return redirect_with_flash(f"/reviews/{review_id}", flash)


@router.post("/reviews/{review_id}/approve")
def approve(request: Request, review_id: int, user: SignedIn, form: Form) -> Response:
    with store(request) as session:
        return _decide(request, user, session, review_id, form, approve=True)


@router.post("/reviews/{review_id}/reject")
def reject(request: Request, review_id: int, user: SignedIn, form: Form) -> Response:
    with store(request) as session:
        return _decide(request, user, session, review_id, form, approve=False)
