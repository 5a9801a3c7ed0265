"""The Jinja environments: HTML (autoescaped), DOCX (autoescaped, via docxtpl) and plain text.

Data values are only ever substituted, never parsed as template syntax, so a debtor named
`{{ 7*7 }}` is printed as typed. StrictUndefined makes a field the template misspells an error.
"""

from __future__ import annotations

from functools import cache

import jinja2

from documents.filters import FILTERS
from documents.registry import TEMPLATES_DIR


def _env(*, autoescape: bool, loader: jinja2.BaseLoader | None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


@cache
def html_env() -> jinja2.Environment:
    return _env(autoescape=True, loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)))


@cache
def text_env() -> jinja2.Environment:
    """SMS and email bodies are plain text: HTML escaping would print `&amp;` to the debtor.
    Data still arrives only as variables, so template syntax in it is never evaluated."""
    return _env(autoescape=False, loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)))


def docx_env() -> jinja2.Environment:
    """A fresh environment for docxtpl (it keeps no loader; autoescape is passed at render)."""
    env = _env(autoescape=True, loader=None)
    env.trim_blocks = False
    env.lstrip_blocks = False
    return env
