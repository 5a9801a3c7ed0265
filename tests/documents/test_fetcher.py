from __future__ import annotations

from pathlib import Path

import pytest

from documents import pdf
from documents.fetcher import ConfinedFetcher, FetchRefused
from documents.registry import TEMPLATES_DIR, get_manifest
from rules.errors import DuecourseError


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/style.css",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "data:text/css,body{}",
        (TEMPLATES_DIR / ".." / "manifest.py").as_uri(),
        "file://otherhost" + str(TEMPLATES_DIR / "_shared" / "letter.css"),
    ],
)
def test_fetcher_refuses_everything_outside_the_templates(url: str) -> None:
    with pytest.raises(FetchRefused):
        ConfinedFetcher().fetch(url)


def test_fetcher_refuses_a_symlink_out_of_the_templates(tmp_path: Path) -> None:
    root = tmp_path / "templates"
    root.mkdir()
    (root / "evil.css").symlink_to("/etc/passwd")
    with pytest.raises(FetchRefused):
        ConfinedFetcher(root).fetch((root / "evil.css").as_uri())


def test_fetcher_serves_template_files() -> None:
    response = ConfinedFetcher().fetch((TEMPLATES_DIR / "_shared" / "letter.css").as_uri())
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "tag",
    [
        '<link rel="attachment" href="file:///etc/passwd">',
        '<img src="http://127.0.0.1:9/x.png">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
    ],
)
def test_a_template_asking_for_more_fails_to_render(tag: str) -> None:
    manifest = get_manifest("collection_letter")
    with pytest.raises(DuecourseError, match="refused to fetch"):
        pdf.write(pdf.layout(manifest, f"<html><body>{tag}<p>x</p></body></html>"))
