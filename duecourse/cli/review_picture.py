"""`duecourse review show`'s human output: the reviewer's whole picture (tasks/review_picture.py),
one short section each, personal data masked as the JSON has it."""

from __future__ import annotations

from typing import Any

from duecourse.cli.common import console
from rules.terminal_text import terminal_text


def _say(text: str) -> None:
    console.print(terminal_text(text), markup=False, soft_wrap=True)


def _deadline(label: str, m: dict[str, Any] | None) -> None:
    if m is None:
        _say(f"  {label:<10} none open")
        return
    rule = f"  [{m['rule']}]" if m["rule"] else ""
    _say(f"  {label:<10} {m['kind']} due {m['due']}{rule}")


def print_picture(p: dict[str, Any]) -> None:
    b = p["balance"]
    _say(
        f"balance {b['total']:,.2f} (principal {b['principal']:,.2f}, interest "
        f"{b['interest']:,.2f}, fees {b['fees']:,.2f}) as of {b['as_of']}, DPD {b['days_past_due']}"
    )
    history = p["balance_history"]
    if history:
        _say("history " + ", ".join(f"{h['as_of']} {h['balance']:,.2f}" for h in history[:6]))
    _say("deadlines (the decision is under the earlier):")
    _deadline("review", p["deadlines"]["review"])
    _deadline("statutory", p["deadlines"]["statutory"])
    _say(f"delivered demands: {len(p['delivered_demands'])}")
    for d in p["delivered_demands"]:
        proof = ", ".join(x for x in (d["number"], d["tracking_number"] or d["proof_ref"]) if x)
        _say(
            f"  {d['sent_on']} {d['channel'].value} {d['title']} delivered "
            f"{d['delivered_on'] or '-'} ({proof or 'no proof on file'})"
        )
    _say(f"contacts: {len(p['contacts'])} (latest 50)")
    for name in ("promises", "plans", "disputes"):
        rows = p[name]
        states = ", ".join(f"{r['id']} {r['status'].value}" for r in rows) or "none"
        _say(f"{name}: {states}")
    _say(f"documents: {len(p['documents'])}")
    for d in p["drafts"]:
        _say(f"  draft {d['kind']} {d['number'] or ''} {d['format']}: {d['path']}")
    clock = p.get("limitation")
    if clock:
        _say(f"limitation: {clock['status']}, from {clock['last_event']} {clock['at']}, "
             f"expires {clock['expires'] or '-'}")  # fmt: skip
    pre = p.get("payment_order_preconditions")
    if pre is not None:
        failing = ", ".join(pre["failing"]) or "none failing"
        _say(f"payment order: {'available' if pre['hold'] else 'not available'} ({failing})")
