"""A synthetic delinquency snapshot that looks like a real card book (for demos and benchmarks).

Chinese names, ID numbers with valid check digits, mobile numbers, provinces with their region
codes, Luhn-valid card numbers, and a DPD distribution with most accounts early and a long tail.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from rules.snapshot_row import REQUIRED_COLUMNS, id_check_digit

COLUMNS = (*REQUIRED_COLUMNS, "card_number")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅玉兰俊峰宇浩然子涵思雨欣怡梓轩一诺佳琪晨曦婷雪鹏飞海燕春梅文博嘉怡"  # noqa: E501
_PROVINCES = (
    ("浙江", "330106", "浙江省杭州市西湖区"),
    ("江苏", "320102", "江苏省南京市玄武区"),
    ("广东", "440304", "广东省深圳市福田区"),
    ("上海", "310104", "上海市徐汇区"),
    ("北京", "110105", "北京市朝阳区"),
    ("四川", "510107", "四川省成都市武侯区"),
    ("山东", "370102", "山东省济南市历下区"),
    ("河南", "410105", "河南省郑州市金水区"),
    ("湖北", "420106", "湖北省武汉市武昌区"),
    ("福建", "350102", "福建省福州市鼓楼区"),
)
_STREETS = (
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "文三路",
    "长江路",
    "黄河路",
    "和平路",
    "新华路",
)
_BINS = ("622588", "622155", "625802", "436742", "518710")
# (weight, lowest DPD, highest DPD): M0 early warning, M1 heavy, thinning tail to M7+
_DPD_BANDS = (
    (22, 0, 0),
    (38, 1, 30),
    (14, 31, 60),
    (8, 61, 90),
    (5, 91, 120),
    (4, 121, 150),
    (3, 151, 180),
    (6, 181, 720),
)


def _luhn(prefix: str) -> str:
    digits = [int(c) for c in prefix]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return prefix + str((10 - total % 10) % 10)


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def synthetic_rows(n: int, seed: int, as_of: date) -> Iterator[list[str]]:
    """`n` snapshot rows (as CSV cells in COLUMNS order), the same for the same seed."""
    rng = random.Random(seed)
    weights = [b[0] for b in _DPD_BANDS]
    for i in range(1, n + 1):
        province, region, locality = rng.choice(_PROVINCES)
        birth = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
        first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        id_number = first17 + id_check_digit(first17)
        name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2, 2))))
        _, low, high = rng.choices(_DPD_BANDS, weights)[0]
        dpd = rng.randint(low, high)
        limit = rng.choice((10_000, 20_000, 30_000, 50_000, 80_000, 100_000, 200_000)) * 100
        principal = min(int(rng.lognormvariate(9.6, 0.9) * 100), limit + limit // 5)
        interest = principal * min(dpd, 720) * 5 // 10_000  # about 0.05% a day
        fees = 0 if dpd == 0 else rng.choice((0, 5_000, 10_000, 20_000))
        minimum_due = max(principal // 10, 10_000) if principal else 0
        due = as_of - timedelta(days=dpd) if dpd else as_of + timedelta(days=rng.randint(1, 10))
        paid = rng.random() < 0.4
        paid_on = min(due, as_of) - timedelta(days=rng.randint(1, 60))
        last_pay = paid_on.isoformat() if paid else ""
        last_amount = _money(rng.randrange(10_000, 500_000)) if paid else ""
        emergency = rng.random() < 0.7
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        yield [
            f"A{seed % 1000:03d}{i:09d}",
            f"C{seed % 1000:03d}{i:09d}",
            name,
            id_number,
            phone,
            f"user{i}@example.com" if rng.random() < 0.8 else "",
            f"{locality}{rng.choice(_STREETS)}{rng.randint(1, 999)}号",
            province,
            _money(limit),
            _money(principal),
            _money(interest),
            _money(fees),
            _money(minimum_due),
            due.isoformat(),
            str(dpd),
            last_pay,
            last_amount,
            (rng.choice(_SURNAMES) + rng.choice(_GIVEN)) if emergency else "",
            f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if emergency else "",
            _luhn(rng.choice(_BINS) + f"{rng.randrange(10**9):09d}"),
        ]


_DEFECTS = (
    ("principal", "-120.00"),
    ("due_date", "2026-02-30"),
    ("days_past_due", "3.5"),
    ("name", ""),
)


def write_portfolio(out: TextIO, n: int, seed: int, as_of: date, defects: int = 0) -> int:
    """Write a snapshot CSV with a header; `defects` rows are made invalid on purpose (each kind
    of defect in turn, plus a duplicate account) so quarantine can be seen. Returns rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    step = max(1, n // (defects + 1)) if defects else 0
    written = 0
    last: list[str] | None = None
    for i, row in enumerate(synthetic_rows(n, seed, as_of), start=1):
        if defects and i % step == 0 and i // step <= defects:
            k = i // step - 1
            if k % (len(_DEFECTS) + 1) == len(_DEFECTS) and last is not None:
                row = list(last)  # a duplicate account in the same file
            else:
                column, value = _DEFECTS[k % (len(_DEFECTS) + 1) % len(_DEFECTS)]
                row[COLUMNS.index(column)] = value
        writer.writerow(row)
        last = row
        written += 1
    return written


def write_portfolio_file(path: Path, n: int, seed: int, as_of: date, defects: int = 0) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        return write_portfolio(out, n, seed, as_of, defects)


def _fen(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int(frac.ljust(2, "0") or 0)


def next_day_rows(rows: list[list[str]], day: date, rng: random.Random) -> list[list[str]]:
    """The book one day later: most past-due accounts slip a day (interest accrues), a few pay
    what is overdue (cure) or pay off, and some early-warning accounts miss their due date."""
    i_due, i_dpd = COLUMNS.index("due_date"), COLUMNS.index("days_past_due")
    i_p, i_i, i_f = COLUMNS.index("principal"), COLUMNS.index("interest"), COLUMNS.index("fees")
    i_lpd, i_lpa = COLUMNS.index("last_payment_date"), COLUMNS.index("last_payment_amount")
    out: list[list[str]] = []
    for row in rows:
        row = list(row)
        dpd, principal = int(row[i_dpd]), _fen(row[i_p])
        balance = principal + _fen(row[i_i]) + _fen(row[i_f])
        if balance == 0:
            out.append(row)
            continue
        roll = rng.random()
        if dpd > 0 and roll < 0.004:  # pays everything off
            amount = balance
            row[i_p] = row[i_i] = row[i_f] = "0.00"
            row[i_dpd] = "0"
        elif dpd > 0 and roll < 0.02:  # pays what is overdue: cured
            amount = _fen(row[i_i]) + _fen(row[i_f]) + principal // 10
            row[i_p] = _money(principal - principal // 10)
            row[i_i] = row[i_f] = "0.00"
            row[i_dpd] = "0"
            row[i_due] = (day + timedelta(days=25)).isoformat()
        else:
            amount = 0
            if dpd > 0 or date.fromisoformat(row[i_due]) < day:
                row[i_dpd] = str(dpd + 1)
                row[i_i] = _money(_fen(row[i_i]) + principal * 5 // 10_000)
        if amount:
            row[i_lpd], row[i_lpa] = day.isoformat(), _money(amount)
        out.append(row)
    return out
