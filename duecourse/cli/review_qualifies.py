"""The `qualifies` section of `review show` for a review of the move to lawyer_letter: why the
case may go legal (tasks/legal_qualify.py)."""

from __future__ import annotations

from typing import Any

from duecourse.cli.common import console
from rules.terminal_text import terminal_text


def _mark(ok: bool) -> str:
    return "yes" if ok else "NO"


def print_qualifies(q: dict[str, Any] | None) -> None:
    if q is None:
        return
    checks = q["checks"]
    console.print(f"qualifies for a lawyer's letter: {_mark(q['qualifies'])}", markup=False)
    demands = q["delivered_demands"]
    console.print(
        f"  delivered demands: {len(demands) or 'none (going legal needs one)'}", markup=False
    )
    for d in demands:
        tracking = (
            f"  tracking {terminal_text(d['tracking_number'])}" if d["tracking_number"] else ""
        )
        console.print(
            f"    {terminal_text(d['letter_number'] or '-')}  {d['channel'].value}  "
            f"delivered {d['delivered_on']}{tracking}",
            markup=False,
        )
    floor = q["balance_floor"]
    against = f" against the floor {floor:,.2f}" if floor is not None else ""
    console.print(
        f"  balance {q['balance']:,.2f}{against}: {_mark(checks['balance_at_floor'])}",
        markup=False,
    )
    since = f" (from {q['min_dpd']})" if q["min_dpd"] is not None else ""
    console.print(f"  DPD {q['dpd']}{since}: {_mark(checks['dpd'])}", markup=False)
