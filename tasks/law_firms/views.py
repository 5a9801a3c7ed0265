"""Placements as people and the case file read them (no imports of the case file: it reads
these)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from models import Placement
from rules.law_firms import LawFirmPanel


def placement_dict(p: Placement, panel: LawFirmPanel | None = None) -> dict[str, Any]:
    """A placement; with the panel, its firm's and lawyer's names too."""
    firm = panel.firm(p.firm_id) if panel is not None else None
    lawyer = firm.lawyer(p.lawyer_licence) if firm is not None else None
    return {
        "id": p.id,
        "case_id": p.case_id,
        "firm_id": p.firm_id,
        "firm": firm.name if firm else None,
        "lawyer": lawyer.name if lawyer else None,
        "lawyer_licence": p.lawyer_licence,
        "placed_on": p.placed_on,
        "placed_by": p.placed_by,
        "review_id": p.review_id,
        "recalled_on": p.recalled_on,
        "recalled_by": p.recalled_by,
        "recall_reason": p.recall_reason,
    }


def placements_for_case(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case file's `placements`: each placement of the case, newest first."""
    rows = session.exec(
        select(Placement).where(Placement.case_id == case_id).order_by(col(Placement.id).desc())
    ).all()
    return [placement_dict(p) for p in rows]
