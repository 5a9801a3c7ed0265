"""The console's pages, one router a module (issue 20 item 3): the app includes `routers`."""

from fastapi import APIRouter

from duecourse.web.pages import cases, common, dashboard, deadlines, documents, reviews

routers: list[APIRouter] = [
    common.router,
    reviews.router,
    cases.router,
    documents.router,
    deadlines.router,
    dashboard.router,
]

__all__ = ["routers"]
