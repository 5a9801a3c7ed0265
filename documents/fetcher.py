"""WeasyPrint's URL fetcher, confined: it serves files under documents/templates and nothing else.

WeasyPrint's default fetcher reads any local file (file:///etc/passwd as an attachment) and
fetches http(s) URLs. Ours refuses every scheme but `file`, and every file outside the templates
folder (after resolving symlinks and `..`). A refusal stops the rendering: a template that asks
for something else is a bug to fix, and data never reaches the HTML unescaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from documents.registry import TEMPLATES_DIR

MIME_TYPES = {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}


class FetchRefused(FatalURLFetchingError):
    """A resource outside the templates folder was asked for."""


class ConfinedFetcher(URLFetcher):  # type: ignore[misc]
    def __init__(self, root: Path = TEMPLATES_DIR, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.root = root.resolve()

    def allowed_path(self, url: str) -> Path:
        """The local path `url` names, if it lies under the root; else FetchRefused."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"refused to fetch {url!r}: only template files are served")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise FetchRefused(f"refused to fetch {url!r}: not a file of the templates folder")
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.allowed_path(url)
        content_type = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
        )
