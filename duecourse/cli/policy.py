"""`duecourse policy check [FILE]` and `duecourse policy show [--json]`: the ladder as data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from duecourse.cli.app import app
from duecourse.cli.common import console, emit_json, settings
from rules.buckets import BucketScheme, scheme_from_data
from rules.errors import DuecourseError, InputError
from rules.policy import ActionDef, EntryCondition, MilestoneDef, Policy, RiskPolicy, StageDef
from tasks.conduct import load_conduct_pack
from tasks.law_firms.panel import load_panel
from tasks.policy import PolicyError, check_policy
from tasks.policy_versions import stored_version

WIDE = 200  # columns for the ladder table when not on a terminal (piped, redirected)

policy_app = typer.Typer(help="The escalation policy: validate it, show the ladder.")
app.add_typer(policy_app, name="policy", no_args_is_help=True)


def _source(ctx: typer.Context, file: Path | None) -> Path:
    source = file if file is not None else settings(ctx).policy_dir
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    return source


@policy_app.command("check")
def policy_check(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="A policy folder or file (default: the policy folder in use)."),
    ] = None,
) -> None:
    """Validate the policy: every problem is printed as `file:line: message` (exit 1)."""
    result = check_policy(_source(ctx, file))
    if result.problems or result.policy is None:
        for problem in result.problems:
            console.print(str(problem), markup=False, soft_wrap=True)
        n = len(result.problems)
        raise DuecourseError(f"policy check failed: {n} problem{'s' if n != 1 else ''}")
    p = result.policy
    open_stages = sum(1 for s in p.stages if not s.stage.is_closed)
    note = "" if result.templates_checked else " (templates not checked: no document kinds found)"
    borrowed = _borrowed(result.files, _source(ctx, file))
    if borrowed:
        note += f" (from elsewhere: {', '.join(borrowed)})"
    source = _source(ctx, file)
    pack = f"; conduct pack {load_conduct_pack(source).ref}" if source.is_dir() else ""
    panel = load_panel(source)
    pack += f"; {len(panel.firms)} law firms{' (demo)' if panel.demo else ''}"
    console.print(
        f"policy OK: {p.label or 'unlabelled'}; {len(p.stages)} stages ({open_stages} open), "
        f"{len(p.risk.rules)} risk rules, {len(p.buckets.ranges())} buckets, "
        f"{len(result.users)} users{pack}; version {p.short_version}{note}",
        markup=False,
        soft_wrap=True,
    )


def _borrowed(files: dict[str, str], source: Path) -> list[str]:
    """Files read from outside the checked folder (or file's folder), e.g. the shipped roster."""
    folder = (source if source.is_dir() else source.parent).resolve()
    return [
        f"{part} {shown}"
        for part, shown in files.items()
        if folder not in Path(shown).resolve().parents
    ]


def _money(value: Any) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _dpd_text(entry: EntryCondition, scheme: BucketScheme) -> list[str]:
    parts: list[str] = []
    if entry.buckets is not None:
        names = [b.value for b, _, _ in scheme.ranges() if b in entry.buckets]
        parts.append(f"{names[0]}-{names[-1]}" if len(names) > 2 else ", ".join(names))
    if entry.min_dpd is not None and entry.max_dpd is not None:
        parts.append(f"DPD {entry.min_dpd}-{entry.max_dpd}")
    elif entry.min_dpd is not None:
        parts.append(f"DPD ≥ {entry.min_dpd}")
    elif entry.max_dpd is not None:
        parts.append(f"DPD ≤ {entry.max_dpd}")
    return parts


def describe_entry(entry: EntryCondition | None, scheme: BucketScheme) -> str:
    """One short line for a table: `M2-M3; not: hardship_claimed` and the like."""
    if entry is None:
        return "by transition"
    parts = _dpd_text(entry, scheme)
    if entry.min_balance is not None:
        parts.append(f"balance ≥ {_money(entry.min_balance)}")
    if entry.max_balance is not None:
        parts.append(f"balance ≤ {_money(entry.max_balance)}")
    if entry.risk_tiers is not None:
        parts.append("risk " + "/".join(t.value for t in entry.risk_tiers))
    if entry.events:
        parts.append("on " + "\n   | ".join(entry.events))
    if entry.without_events:
        parts.append("not " + "\n    | ".join(entry.without_events))
    return "\n".join(parts) or "any case"


def describe_action(a: ActionDef) -> str:
    text = f"{a.key}: {a.channel.value}"
    text += f" [{a.template}]" if a.template else ""
    text += f" day {a.offset_days}"
    if a.repeat_every_days:
        text += f", every {a.repeat_every_days}d ×{a.max_times}"
    return text


def describe_milestone(m: MilestoneDef) -> str:
    if m.statutory_event is not None:
        due = f"statutory {m.statutory_event.value}"
    else:
        due = f"{m.offset} {m.unit} days"
    return f"{m.kind}: {due}, {m.owner_role.value}, miss → {m.on_miss}"


def _row(s: StageDef, scheme: BucketScheme) -> list[str]:
    name = s.stage.value + (" (closed)" if s.stage.is_closed else "")
    name += "\nsticky" if s.sticky else ""
    return [
        name,
        "" if s.stage.is_closed else describe_entry(s.entry, scheme),
        s.owner_role.value if s.owner_role else "-",
        "\n".join(describe_action(a) for a in s.actions) or "-",
        "\n".join(describe_milestone(m) for m in s.milestones) or "-",
        "\n".join(n.value for n in s.next) or "-",
        s.review.value if s.review else "-",
    ]


def _stored(ctx: typer.Context, version: str) -> Policy:
    """A policy version as it was stored when a run first used it."""
    full, content = stored_version(settings(ctx).engine, version)
    try:
        buckets = [
            {"bucket": b, "max_dpd": hi} if hi is not None else {"bucket": b}
            for b, _lo, hi in content["buckets"]
        ]
        return Policy(
            label=content.get("label", ""),
            version=full,
            buckets=scheme_from_data({"buckets": buckets}),
            stages=[StageDef.model_validate(d) for d in content["ladder"]],
            risk=RiskPolicy.model_validate(content["risk"]),
            calendar=content.get("calendar") or {},
        )
    except (KeyError, TypeError, ValueError) as exc:  # pydantic's ValidationError included
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DuecourseError(
            f"policy version {full[:12]} is stored but this release cannot read it ({first})"
        ) from None


def policy_json(p: Policy, files: dict[str, str]) -> dict[str, Any]:
    """The whole policy as plain data (stages and risk as the models dump them)."""
    return {
        "label": p.label,
        "version": p.version,
        "files": files,
        "buckets": [
            {"bucket": b.value, "min_dpd": lo, "max_dpd": hi} for b, lo, hi in p.buckets.ranges()
        ],
        "stages": [s.model_dump(mode="json") for s in p.stages],
        "risk": p.risk.model_dump(mode="json"),
        "calendar": p.calendar,
    }


@policy_app.command("show")
def policy_show(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="A policy folder or file (default: the policy folder in use)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            help="A version recorded on a run, action or review (or a prefix of >= 6 "
            "characters): show the policy as it was, from the store.",
        ),
    ] = None,
) -> None:
    """Print the ladder: stage, entry, owner role, actions, milestones, next, review."""
    if version is not None:
        if file is not None:
            raise InputError("give either a policy FILE or --version, not both")
        p, files = _stored(ctx, version), {"source": "policy_version table"}
    else:
        result = check_policy(_source(ctx, file))
        if result.problems or result.policy is None:
            raise PolicyError(result.problems)
        p, files = result.policy, result.files
    if json_out:
        emit_json(policy_json(p, files))
        return
    table = Table(title=f"{p.label or 'policy'} · version {p.short_version}", show_lines=True)
    for column in ("stage", "entry", "owner", "actions", "milestones", "next", "review"):
        table.add_column(column, no_wrap=column in ("stage", "owner", "next", "review"))
    for s in p.stages:
        table.add_row(*(Text(cell) for cell in _row(s, p.buckets)))
    out = console if console.is_terminal else Console(highlight=False, width=WIDE)
    out.print(table)
    out.print(f"policy version {p.version}", markup=False, soft_wrap=True)
