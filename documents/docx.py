"""DOCX through docxtpl, autoescaped, with reproducible bytes.

docxtpl renders with autoescape off by default, and its lxml `recover=True` re-parse hides the
damage (`王<b>&"测` loses the `&`): we always pass autoescape=True. python-docx stamps the zip
entries with the wall clock and the core properties with the template's dates, so we set the core
properties from the document's own date and rewrite the zip with fixed entry timestamps.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

from docxtpl import DocxTemplate

from documents.environment import docx_env
from documents.manifest import Format, Manifest

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _normalise_zip(data: bytes) -> bytes:
    """The same entries, in the same order, with fixed timestamps and permissions."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


def render_docx(manifest: Manifest, context: dict[str, Any], stamp: date | None = None) -> bytes:
    """The kind's DOCX template filled with `context`; `stamp` dates the core properties."""
    tpl = DocxTemplate(str(manifest.template_path(Format.DOCX)))
    tpl.render(context, jinja_env=docx_env(), autoescape=True)
    when = datetime.combine(stamp or date(2000, 1, 1), datetime.min.time(), tzinfo=UTC)
    props = tpl.docx.core_properties
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    props.last_modified_by = "duecourse"
    props.author = "duecourse"
    props.title = manifest.title
    buffer = io.BytesIO()
    tpl.save(buffer)
    return _normalise_zip(buffer.getvalue())


def undeclared_variables(manifest: Manifest) -> set[str]:
    """Top-level names the DOCX template uses (for `documents check`)."""
    tpl = DocxTemplate(str(manifest.template_path(Format.DOCX)))
    names: set[str] = tpl.get_undeclared_template_variables(jinja_env=docx_env())
    return names
