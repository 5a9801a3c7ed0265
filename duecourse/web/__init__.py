"""The legal department's web console (issue 20): `create_app(settings)`; `duecourse web`
serves it with uvicorn."""

from duecourse.web.app import create_app

__all__ = ["create_app"]
