"""The text of a batch's SMS and e-mails: each case's data built and rendered through the document
engine (templates stay files: documents/templates/<kind>/), and what each kind's manifest says
the conduct gate must know (its TemplateTraits) and whether it is a demand for payment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlmodel import Session

from documents.engine import render_message
from documents.manifest import Manifest
from documents.registry import get_manifest
from rules.conduct import TemplateTraits
from rules.enums import Channel, Party
from rules.errors import DuecourseError
from rules.masking import mask_email, mask_phone
from tasks.dispatch.lines import Line
from tasks.letter_data import BUILDERS, CaseFigures, LetterContext, read_figures


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


@cache
def manifest_for(kind: str) -> Manifest:
    return get_manifest(kind)


def traits(kind: str | None) -> TemplateTraits | None:
    """The gate's view of a template kind (None for calls and visits: the script identifies)."""
    if kind is None:
        return None
    m = manifest_for(kind)
    return TemplateTraits(
        identifies_bank=m.identifies_bank,
        reveals_debt=m.reveals_debt,
        asks_contact_details=m.asks_contact_details,
    )


def template_version(kind: str | None) -> int | None:
    return manifest_for(kind).version if kind else None


def is_demand(kind: str | None) -> bool:
    """A contact with this kind that reaches the cardholder is a written demand for payment."""
    return kind is not None and manifest_for(kind).demand


def audience(kind: str | None) -> Party:
    """Whom a template's text is for: the debtor, or an emergency contact (manifest `audience`)."""
    return manifest_for(kind).audience if kind is not None else Party.DEBTOR


def recipient(line: Line) -> str | None:
    """The number or address a line's message goes to: the debtor's own (given to the bank), or
    the emergency contact's number for a text meant for them."""
    if audience(line.template) is not Party.DEBTOR:
        return line.emergency_phone if line.channel is Channel.SMS else None
    if line.channel is Channel.SMS:
        return line.phone
    return line.email if line.channel is Channel.EMAIL else None


def masked(channel: Channel, to: str) -> str:
    return mask_phone(to) if channel is Channel.SMS else mask_email(to)


def render_all(
    session: Session, wanted: Sequence[tuple[int, str]], day: date, ctx: LetterContext
) -> tuple[dict[tuple[int, str], Rendered], dict[tuple[int, str], str]]:
    """(case, kind) -> its text, and (case, kind) -> why it could not be rendered (one line:
    a pre-due text for an account already overdue, a missing balance...)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for case_id, kind in wanted:
        by_kind[kind].append(case_id)
    texts: dict[tuple[int, str], Rendered] = {}
    errors: dict[tuple[int, str], str] = {}
    figures = _figures(session, sorted({c for c, _ in wanted}), day, errors)
    for kind, case_ids in by_kind.items():
        builder = BUILDERS.get(kind)
        for case_id in case_ids:
            try:
                if builder is None:
                    raise DuecourseError(f"no data builder for template {kind}")
                f = figures.get(case_id)
                if f is None:
                    errors.setdefault((case_id, kind), errors.get((case_id, ""), "no figures"))
                    continue
                parts = render_message(kind, builder(f, day, ctx))
            except DuecourseError as exc:
                errors[(case_id, kind)] = str(exc)
                continue
            texts[(case_id, kind)] = Rendered(parts.get("subject"), parts["body"])
    return texts, errors


def _figures(
    session: Session, case_ids: list[int], day: date, errors: dict[tuple[int, str], str]
) -> dict[int, CaseFigures]:
    """The batch's figures in one read; if one case cannot have figures, case by case (its
    reason kept under (case, ""))."""
    try:
        return read_figures(session, case_ids, day)
    except DuecourseError:
        pass
    out: dict[int, CaseFigures] = {}
    for case_id in case_ids:
        try:
            out.update(read_figures(session, [case_id], day))
        except DuecourseError as exc:
            errors[(case_id, "")] = str(exc)
    return out
