"""Benchmark: lawyer's letters (DOCX + PDF) and filing packages, against bare WeasyPrint.

    .venv/bin/python benchmarks/legal_docs.py [--letters 500] [--packages 100]

Each phase runs in its own process (so its peak memory is its own) after one untimed warm-up;
bare and engine alternate in `--rounds` rounds (a quarter of the letters each by default) so
both meet the same load on a shared machine:
  bare       the letters' HTML (the engine's own, rendered once beforehand) through bare
             WeasyPrint, one at a time: HTML(string=..., base_url=...).write_pdf() (as
             benchmarks/letters.py; it builds a font configuration per document, which the
             engine builds once per process)
  engine     documents.engine.render() of the same letters as PDF (data checked and masked,
             Jinja, confined fetcher, WeasyPrint), then as DOCX (docxtpl, autoescaped)
  packages   tasks.filing_package.build_package (a suit: 民事起诉状 + 证据清单, PDF + DOCX each,
             numbered and stored with their SHA-256, fees, court, manifest, ZIP) for cases on a
             fresh SQLite store, each with three delivered demands
The letter kind is `lawyer_letter` when its template is shipped, else `collection_letter` (the
output says which). Prints documents/s for each phase, the PDF ratio engine/bare (the target is
>= 0.9x: the engine's own work costs at most a tenth), and each phase's peak RSS. No assertion
on time: the figures go in the README or a report.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯"
AS_OF = date(2026, 11, 2)


def letter_kind() -> str:
    from documents.registry import known_kinds

    return "lawyer_letter" if "lawyer_letter" in known_kinds() else "collection_letter"


def letters(kind: str, n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` variations of the kind's sample: name, number and amounts (where the kind has them)."""
    from documents.registry import get_manifest

    rng = random.Random(seed)
    manifest = get_manifest(kind)
    base = json.loads(manifest.sample_path.read_text(encoding="utf-8"))
    out = []
    for i in range(n):
        principal = Decimal(rng.randrange(3_000_00, 200_000_00)) / 100
        interest = (principal * Decimal(rng.randrange(1, 12)) / 100).quantize(Decimal("0.01"))
        item = dict(base)
        if "number" in item:
            item["number"] = f"{manifest.number_prefix}-2026-{i + 1:06d}"
        if "debtor_name" in item:
            item["debtor_name"] = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2))
        for key, value in (("principal", principal), ("interest", interest)):
            if key in item:
                item[key] = str(value)
        if "total" in item:
            fees = sum((Decimal(a) for _, a in item.get("fee_lines", [])), Decimal(0))
            item["total"] = str(principal + interest + fees)
        out.append(item)
    return out


def phase_bare(kind: str, n: int, seed: int) -> dict[str, float]:
    from weasyprint import HTML

    from documents.data import prepare
    from documents.pdf import render_html
    from documents.registry import get_manifest

    manifest = get_manifest(kind)
    base = manifest.folder.as_uri() + "/"
    htmls = [render_html(manifest, prepare(manifest, d)) for d in letters(kind, n, seed)]
    HTML(string=htmls[0], base_url=base).write_pdf()  # warm-up
    start = time.perf_counter()
    for html in htmls:
        HTML(string=html, base_url=base).write_pdf()
    return {"pdf_seconds": time.perf_counter() - start}


def phase_engine(kind: str, n: int, seed: int) -> dict[str, float]:
    from documents.engine import render
    from documents.manifest import Format

    data = letters(kind, n, seed)
    render(kind, data[0], Format.PDF)
    render(kind, data[0], Format.DOCX)
    start = time.perf_counter()
    for d in data:
        render(kind, d, Format.PDF)
    pdf = time.perf_counter() - start
    start = time.perf_counter()
    for d in data:
        render(kind, d, Format.DOCX)
    return {"pdf_seconds": pdf, "docx_seconds": time.perf_counter() - start}


def phase_packages(n: int) -> dict[str, float]:
    from sqlmodel import Session

    from models.db import make_engine, upgrade
    from rules.jurisdiction import FilingKind
    from tasks.bank import load_bank
    from tasks.calendar import load_calendar
    from tasks.filing_package import PackageRequest, build_package
    from tests.tasks.legal_seed import legal_case

    os.environ["DUECOURSE_TODAY"] = AS_OF.isoformat()  # a new filing is dated today only
    policy = ROOT / "policy"
    bank, calendar = load_bank(policy), load_calendar(policy)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        engine = make_engine(f"sqlite:///{tmp}/b.sqlite")
        upgrade(engine)
        with Session(engine) as session:
            ids = [legal_case(session, unique=True) for _ in range(n + 1)]

        def one(case_id: int) -> int:
            pkg = build_package(
                engine, PackageRequest(case_id, FilingKind.SUIT, AS_OF),
                home=home, documents_dir=home / "documents", policy_dir=policy, bank=bank,
                calendar=calendar,
            )  # fmt: skip
            return sum(1 for f in pkg.files if f["name"].endswith((".pdf", ".docx")))

        one(ids[0])  # warm-up
        start = time.perf_counter()
        documents = sum(one(case_id) for case_id in ids[1:])
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        for case_id in ids[1:]:
            one(case_id)
        again = time.perf_counter() - start
    return {"seconds": seconds, "documents": documents, "again_seconds": again}


def child(phase: str, kind: str, n: int, seed: int) -> None:
    if phase == "packages":
        result: dict[str, Any] = phase_packages(n)
    else:
        result = {"bare": phase_bare, "engine": phase_engine}[phase](kind, n, seed)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run(phase: str, kind: str, n: int, seed: int = 7) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--kind", kind, "--n", str(n),
         "--seed", str(seed)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _alternating(kind: str, n: int, rounds: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """bare and engine in alternating rounds (n / rounds letters each), so both meet the same
    load on a shared machine: seconds summed, peak memory the highest of a phase's rounds."""
    totals: dict[str, dict[str, Any]] = {"bare": {}, "engine": {}}
    size = max(1, n // rounds)
    for r in range(rounds):
        count = size if r < rounds - 1 else n - size * (rounds - 1)
        for phase in ("bare", "engine"):
            got = run(phase, kind, count, seed=r)
            into = totals[phase]
            for key, value in got.items():
                into[key] = (
                    max(into.get(key, 0), value)
                    if key == "peak_rss_mb"
                    else (into.get(key, 0) + value)
                )
    return totals["bare"], totals["engine"]


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--letters", type=int, default=500, help="letters (default 500)")
    parser.add_argument("--packages", type=int, default=100, help="packages (default 100)")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds (default 4)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args.phase, args.kind, args.n, args.seed)
        return
    kind = letter_kind()
    n = args.letters
    note = "" if kind == "lawyer_letter" else " (lawyer_letter is not shipped yet: stand-in)"
    print(f"letters: {n} x {kind}{note}, PDF + DOCX each; load {_load()}")
    bare, engine = _alternating(kind, n, args.rounds)
    pdf_rate, bare_rate = n / engine["pdf_seconds"], n / bare["pdf_seconds"]
    docx_rate = n / engine["docx_seconds"]
    both = 2 * n / (engine["pdf_seconds"] + engine["docx_seconds"])
    print(f"  bare WeasyPrint  {bare_rate:8.1f} PDF/s   peak {bare['peak_rss_mb']:.0f} MiB")
    print(f"  engine PDF       {pdf_rate:8.1f} PDF/s   ratio {pdf_rate / bare_rate:.2f}x bare "
          "(target >= 0.9x)")  # fmt: skip
    print(f"  engine DOCX      {docx_rate:8.1f} DOCX/s")
    print(f"  engine both      {both:8.1f} documents/s   peak {engine['peak_rss_mb']:.0f} MiB")
    p = run("packages", kind, args.packages)
    print(f"packages: {args.packages} suits (civil_complaint + evidence_list, PDF + DOCX, "
          "fees, court, manifest, ZIP)")  # fmt: skip
    print(
        f"  built            {args.packages / p['seconds']:8.2f} packages/s "
        f"{p['documents'] / p['seconds']:8.1f} documents/s   peak {p['peak_rss_mb']:.0f} MiB"
    )
    print(
        f"  asked again      {args.packages / p['again_seconds']:8.1f} packages/s "
        "(stored: files checked against the manifest, ZIP rewritten)"
    )
    print(f"load at the end {_load()}")


if __name__ == "__main__":
    main()
