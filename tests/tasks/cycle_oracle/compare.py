"""Reading a store's daily-cycle results as comparable multisets, and a readable diff.

Surrogate ids differ between two stores that wrote the same rows in another order, so every
reference to one is replaced by the row's natural key: a milestone id in an action's step
(`met:123`) by `(case, stage, entry_on, kind)`, a review id in a timeline line by
`(case, target, opened_on)`. Timestamps, run ids and row versions are left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from models import AuditEntry, CycleAction, Milestone, Review, TimelineEvent
from models.case import Case

Row = tuple[Any, ...]
CASE_COLUMNS = (
    "id",
    "status",
    "stage",
    "stage_entered_on",
    "bucket",
    "owner",
    "risk_tier",
    "risk_reasons",
)
MILESTONE_COLUMNS = (
    "case_id",
    "kind",
    "stage",
    "entry_on",
    "opened_on",
    "due",
    "due_latest",
    "status",
    "closed_on",
    "reason",
    "owner",
    "owner_role",
    "on_miss",
    "alerted_on",
    "rule",
)
REVIEW_COLUMNS = (
    "case_id",
    "target_stage",
    "required_role",
    "status",
    "opened_on",
    "key",
    "decided_by",
    "comment",
)
ACTION_COLUMNS = (
    "as_of",
    "case_id",
    "kind",
    "step",
    "status",
    "reason",
    "channel",
    "template",
    "policy_version",
)
TIMELINE_COLUMNS = ("case_id", "as_of", "event", "detail", "actor")
TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "collection_case": (Case, CASE_COLUMNS),
    "milestone": (Milestone, MILESTONE_COLUMNS),
    "review": (Review, REVIEW_COLUMNS),
    "cycle_action": (CycleAction, ACTION_COLUMNS),
    "timeline_event": (TimelineEvent, TIMELINE_COLUMNS),
    # the audit chain's rows of the stage moves (their times and hashes differ run to run)
    "audit_entry": (
        AuditEntry,
        ("case_id", "action", "subject_type", "subject_id", "actor", "data"),
    ),
}
FELL_BACK = "decided by the reference evaluator"  # the run's warning when SQL cannot say it
MILESTONE_STEP = re.compile(r"^(met|missed|waive|alert|escalate|reassign):(\d+)$")
REVIEW_ID = re.compile(r"\breview (\d+) of the move")


def plain(value: Any) -> Any:
    """A stored value in a form both databases give alike."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class State:
    """Each table's rows (columns as in TABLES) as a multiset."""

    tables: dict[str, Counter[Row]]

    def rows(self, table: str) -> int:
        return sum(self.tables[table].values())


def _select(conn: Connection, model: Any, columns: Sequence[str]) -> list[Row]:
    t = model.__table__
    return [tuple(plain(v) for v in r) for r in conn.execute(sa.select(*(t.c[c] for c in columns)))]


def _natural_keys(conn: Connection) -> tuple[dict[int, str], dict[int, str]]:
    m, r = Milestone.__table__, Review.__table__  # type: ignore[attr-defined]
    milestones = {
        i: f"<{case}/{plain(stage)}/{plain(entry)}/{kind}>"
        for i, case, stage, entry, kind in conn.execute(
            sa.select(m.c.id, m.c.case_id, m.c.stage, m.c.entry_on, m.c.kind)
        )
    }
    reviews = {
        i: f"<{case}/{plain(target)}/{plain(opened)}>"
        for i, case, target, opened in conn.execute(
            sa.select(r.c.id, r.c.case_id, r.c.target_stage, r.c.opened_on)
        )
    }
    return milestones, reviews


def _steps(keys: dict[int, str]) -> Callable[[str], str]:
    def swap(step: str) -> str:
        found = MILESTONE_STEP.match(step)
        if found is None:
            return step
        return f"{found.group(1)}:{keys.get(int(found.group(2)), '<unknown milestone>')}"

    return swap


def _details(keys: dict[int, str]) -> Callable[[str], str]:
    def one(found: re.Match[str]) -> str:
        return f"review {keys.get(int(found.group(1)), '<unknown review>')} of the move"

    return lambda text: REVIEW_ID.sub(one, text)


def read_state(engine: Engine) -> State:
    """The store's cases, milestones, reviews, action lines and timeline, ids replaced."""
    with engine.connect() as conn:
        milestones, reviews = _natural_keys(conn)
        step, detail = _steps(milestones), _details(reviews)
        out: dict[str, Counter[Row]] = {}
        for name, (model, columns) in TABLES.items():
            rows = _select(conn, model, columns)
            if name == "cycle_action":
                i = columns.index("step")
                rows = [(*r[:i], step(r[i]), *r[i + 1 :]) for r in rows]
            if name == "timeline_event":
                i = columns.index("detail")
                rows = [(*r[:i], detail(r[i]), *r[i + 1 :]) for r in rows]
            out[name] = Counter(rows)
    return State(out)


def _sort_key(row: Row) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in row)


def case_of(table: str, row: Row) -> int:
    """The case id a compared row belongs to."""
    columns = TABLES[table][1]
    return int(row[columns.index("id" if table == "collection_case" else "case_id")])


@dataclass(frozen=True)
class Difference:
    table: str
    only_a: list[Row]
    only_b: list[Row]

    def cases(self) -> set[int]:
        return {case_of(self.table, r) for r in self.only_a + self.only_b}


def differences(a: State, b: State) -> list[Difference]:
    out: list[Difference] = []
    for table in TABLES:
        ca, cb = a.tables[table], b.tables[table]
        only_a = sorted((ca - cb).elements(), key=_sort_key)
        only_b = sorted((cb - ca).elements(), key=_sort_key)
        if only_a or only_b:
            out.append(Difference(table, only_a, only_b))
    return out


def diff_text(diffs: list[Difference], labels: tuple[str, str], shown: int = 6) -> str:
    """The first `shown` differing rows of each table, per side, with column names."""
    lines: list[str] = []
    for d in diffs:
        columns = ", ".join(TABLES[d.table][1])
        lines.append(f"== {d.table} ({columns})")
        for label, rows in ((labels[0], d.only_a), (labels[1], d.only_b)):
            if rows:
                lines.append(f"   only in {label} ({len(rows)}):")
                lines += [f"     {r}" for r in rows[:shown]]
                if len(rows) > shown:
                    lines.append(f"     ... {len(rows) - shown} more")
    return "\n".join(lines)


def summary_view(summary: dict[str, Any]) -> dict[str, Any]:
    """A run's summary (tasks.cycle.core.summary) without its run id, its missed deadlines and
    its warnings in a fixed order (the calendar's come in the order due dates were counted),
    without the warning that the SQL cycle handed the day to the reference."""
    view = {k: v for k, v in summary.items() if k != "run_id"}
    view["missed"] = sorted(
        summary["missed"], key=lambda m: sorted((k, str(v)) for k, v in m.items())
    )
    view["warnings"] = sorted(w for w in summary["warnings"] if not w.startswith(FELL_BACK))
    return view
