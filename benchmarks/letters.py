"""Benchmark: collection letters one at a time (engine vs bare WeasyPrint) and as one batch.

    .venv/bin/python benchmarks/letters.py [--n 1000] [--store]

Each phase runs in its own process (so peak memory is its own) after one untimed warm-up letter:
  bare     the same HTML rendered by bare WeasyPrint, one letter at a time (HTML().write_pdf())
  engine   documents.engine.render(): data checked and masked, Jinja, confined fetcher, PDF
  batch    the engine's batch: each letter laid out, all pages written as one PDF
  store    (--store) tasks.document_batch.render_batch on a fresh SQLite store: each letter
           stored as its own PDF (numbered, hashed) and all printed as one PDF + CSV; then the
           same batch again, reusing every stored letter (laid out again from stored data)
Prints letters/s for each, the ratios, and peak RSS.
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
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯"
CITIES = [
    "浙江省杭州市西湖区文三路",
    "广东省深圳市南山区科技园路",
    "四川省成都市武侯区人民南路",
    "江苏省南京市鼓楼区中山路",
    "湖北省武汉市洪山区珞瑜路",
    "北京市海淀区中关村大街",
]


def letters(n: int, seed: int = 7) -> list[dict[str, Any]]:
    from tests.documents.helpers import sample

    rng = random.Random(seed)
    base = sample()
    out = []
    for i in range(n):
        principal = Decimal(rng.randrange(200_00, 200_000_00)) / 100
        interest = (principal * Decimal(rng.randrange(1, 12)) / 100).quantize(Decimal("0.01"))
        fees = Decimal(rng.choice([0, 50, 100, 150]))
        dpd = rng.randrange(31, 400)
        out.append(
            {
                **base,
                "number": f"CL-2026-{i + 1:06d}",
                "debtor_name": rng.choice(SURNAMES)
                + "".join(rng.choices(GIVEN, k=rng.choice([1, 2]))),
                "address": f"{rng.choice(CITIES)}{rng.randrange(1, 999)}号{rng.randrange(1, 30)}栋",
                "card": f"6225{rng.randrange(10**11, 10**12)}",
                "days_past_due": dpd,
                "current_cycle": dpd <= 30,
                "due_date": (date(2026, 11, 23) - timedelta(days=dpd)).isoformat(),
                "principal": str(principal),
                "interest": str(interest),
                "fee_lines": [["费用", str(fees)]],
                "total": str(principal + interest + fees),
                "minimum_due": str((principal / 10).quantize(Decimal("0.01"))),
                "cure_amount": str((principal / 10).quantize(Decimal("0.01"))),
            }
        )
    return out


def phase_bare(data: list[dict[str, Any]]) -> float:
    from weasyprint import HTML

    from documents.data import prepare
    from documents.pdf import render_html
    from documents.registry import get_manifest

    manifest = get_manifest("collection_letter")
    base = manifest.folder.as_uri() + "/"
    htmls = [render_html(manifest, prepare(manifest, d)) for d in data]
    HTML(string=htmls[0], base_url=base).write_pdf()  # warm-up
    start = time.perf_counter()
    for html in htmls:
        HTML(string=html, base_url=base).write_pdf()
    return time.perf_counter() - start


def phase_engine(data: list[dict[str, Any]]) -> float:
    from documents.engine import render
    from documents.manifest import Format

    render("collection_letter", data[0], Format.PDF)
    start = time.perf_counter()
    for d in data:
        render("collection_letter", d, Format.PDF)
    return time.perf_counter() - start


def phase_batch(data: list[dict[str, Any]]) -> float:
    from documents import pdf
    from documents.data import prepare
    from documents.registry import get_manifest

    manifest = get_manifest("collection_letter")
    pdf.render_pdf(manifest, prepare(manifest, data[0]))
    start = time.perf_counter()
    layouts = [pdf.layout(manifest, pdf.render_html(manifest, prepare(manifest, d))) for d in data]
    pdf.combine(layouts)
    return time.perf_counter() - start


def phase_store(n: int) -> dict[str, float]:
    from sqlmodel import Session

    from models.db import make_engine, upgrade
    from tasks.bank import load_bank
    from tasks.calendar import load_calendar
    from tasks.document_batch import render_batch
    from tests.factories import make_case

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/b.sqlite")
        upgrade(engine)
        with Session(engine) as session:
            ids = []
            for _ in range(n + 1):
                principal = str(Decimal(rng.randrange(200_00, 200_000_00)) / 100)
                case = make_case(
                    session,
                    principal=principal,
                    dpd=rng.randrange(31, 400),
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                )
                ids.append(case.id)
            session.commit()
        bank, calendar = load_bank(ROOT / "policy"), load_calendar(ROOT / "policy")
        docs, as_of = Path(tmp) / "documents", date(2026, 11, 23)
        os.environ["DUECOURSE_TODAY"] = as_of.isoformat()  # a new letter is dated today only

        def batch(ids: list[Any], name: str) -> None:
            kind = "collection_letter"
            render_batch(
                engine, docs, bank, kind, ids, as_of, out=Path(tmp) / name, calendar=calendar
            )

        batch(ids[:1], "w.pdf")
        start = time.perf_counter()
        batch(ids[1:], "b.pdf")
        fresh = time.perf_counter() - start
        start = time.perf_counter()
        batch(ids[1:], "c.pdf")
        reused = time.perf_counter() - start
    return {"fresh": fresh, "reused": reused}


def child(phase: str, n: int) -> None:
    if phase == "store":
        result: dict[str, Any] = phase_store(n)
    else:
        data = letters(n)
        result = {
            "seconds": {"bare": phase_bare, "engine": phase_engine, "batch": phase_batch}[phase](
                data
            )
        }
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run(phase: str, n: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--n", str(n)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="letters (default 1000)")
    parser.add_argument("--store", action="store_true", help="also time the stored batch")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args.phase, args.n)
        return
    n = args.n
    rows = {}
    for phase in ("bare", "engine", "batch"):
        r = run(phase, n)
        rows[phase] = (n / r["seconds"], r["seconds"], r["peak_rss_mb"])
        print(
            f"{phase:>8}: {rows[phase][0]:7.2f} letters/s  ({r['seconds']:7.1f} s for {n}),"
            f" peak RSS {r['peak_rss_mb']:6.0f} MB",
            flush=True,
        )
    print(
        f"engine / bare WeasyPrint (one at a time): {rows['engine'][0] / rows['bare'][0]:.2f}x"
        " (target >= 0.9x)"
    )
    print(
        f"batch / engine one at a time:             {rows['batch'][0] / rows['engine'][0]:.2f}x"
        " (target >= 3x)"
    )
    if args.store:
        r = run("store", n)
        print(
            f"   store: fresh batch (each letter stored as its own PDF too) "
            f"{n / r['fresh']:7.2f} letters/s ({r['fresh']:.1f} s); same batch again, all "
            f"reused {n / r['reused']:7.2f} letters/s ({r['reused']:.1f} s);"
            f" peak RSS {r['peak_rss_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
