"""Which court a filing goes to, and whether a suit is a small claim: pure lookups over the
tables the bank keeps (policy/courts.yaml, policy/small_claims.yaml; tasks/courts.py loads them).

Court (a data table: province / city / district of the debtor's domicile -> basic people's court):
- Suit on the card agreement: the defendant's domicile or the place of performance (CPL 2023
  Art. 24); a written choice-of-court clause in the card agreement wins where the bank sets one
  (CPL 2023 Art. 35).
- Payment order: the basic people's court of the debtor's domicile (SPC CPL interpretation 2022
  Art. 23 (R)); an agreed forum is not used for it.
- Pre-suit preservation: the court where the property is, of the respondent's domicile, or with
  jurisdiction over the case (CPL 2023 Art. 104): the suit's court.
- Enforcement: the court of first instance, or the court of the same level where the property is
  (CPL 2023 Art. 235): the suit's court.
The most specific row of the table that matches the debtor's address wins (district over city
over province).

Small claims (CPL 2023 Art. 165): a money claim up to 50% of the province's previous-year average
annual wage of employed persons is heard under the small-claims procedure (single instance,
two months). The threshold is the bank's table, kept current each year.

(R): recalled, re-read before relying on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

# The 31 provincial divisions of the mainland, as customers' provinces are written (short form).
MAINLAND_PROVINCES: frozenset[str] = frozenset(
    {
        "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
        "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
        "云南", "陕西", "甘肃", "青海", "内蒙古", "广西", "西藏", "宁夏", "新疆",
    }
)  # fmt: skip
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")


def short_province(name: str | None) -> str | None:
    """`浙江省` -> `浙江`, `广西壮族自治区` -> `广西`, `上海市` -> `上海`; None/blank -> None."""
    if name is None or not name.strip():
        return None
    text = name.strip()
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def in_mainland(province: str | None) -> bool | None:
    """Whether a province is one of the mainland's 31 (None: no province on file)."""
    short = short_province(province)
    return None if short is None else short in MAINLAND_PROVINCES


class FilingKind(StrEnum):
    """What is filed (the CLI's `--kind`)."""

    SUIT = "suit"
    PAYMENT_ORDER = "payment-order"
    ENFORCEMENT = "enforcement"
    PRESERVATION = "preservation"


@dataclass(frozen=True)
class CourtRow:
    """One row of the table: the debtor's province (short form), city and district (None: any)
    -> the basic people's court. `demo`: an example row, not checked against the courts' own
    list."""

    province: str
    court: str
    city: str | None = None
    district: str | None = None
    demo: bool = False

    @property
    def specificity(self) -> int:
        return (self.city is not None) + (self.district is not None)


@dataclass(frozen=True)
class AgreedForum:
    """The card agreement's choice-of-court clause (CPL 2023 Art. 35), if the bank sets one."""

    court: str
    clause: str
    demo: bool = False


@dataclass(frozen=True)
class CourtChoice:
    court: str | None
    basis: str
    reason: str
    demo: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"court": self.court, "basis": self.basis, "reason": self.reason, "demo": self.demo}


DOMICILE_RULES: dict[FilingKind, str] = {
    FilingKind.SUIT: "CPL 2023 Art. 24: the defendant's domicile or the place of performance",
    FilingKind.PAYMENT_ORDER: "SPC CPL interpretation 2022 Art. 23 (R): the basic people's court "
    "of the debtor's domicile",
    FilingKind.PRESERVATION: "CPL 2023 Art. 104: the court of the respondent's domicile (or where "
    "the property is, or with jurisdiction over the case)",
    FilingKind.ENFORCEMENT: "CPL 2023 Art. 235: the court of first instance (the suit's court by "
    "the debtor's domicile)",
}
AGREED_RULE = "CPL 2023 Art. 35: the card agreement's written choice of court"


def _matches(row: CourtRow, province: str | None, address: str) -> bool:
    if short_province(row.province) != province:
        return False
    if row.city is not None and row.city not in address:
        return False
    return row.district is None or row.district in address


def choose_court(
    rows: list[CourtRow],
    kind: FilingKind,
    *,
    province: str | None,
    address: str | None,
    agreed: AgreedForum | None = None,
) -> CourtChoice:
    """The court for `kind` by the table (the most specific matching row), or by the agreed
    forum for a suit, preservation or enforcement; `court` None when no row matches."""
    if agreed is not None and kind is not FilingKind.PAYMENT_ORDER:
        return CourtChoice(agreed.court, AGREED_RULE, f"agreed forum: {agreed.clause}", agreed.demo)
    short = short_province(province)
    text = address or ""
    found = [r for r in rows if _matches(r, short, text)]
    if not found:
        where = short or "no province on file"
        return CourtChoice(
            None, DOMICILE_RULES[kind],
            f"no court in the jurisdiction table for the debtor's domicile ({where}); add a row "
            "to courts.yaml",
        )  # fmt: skip
    best = max(found, key=lambda r: r.specificity)
    place = "".join(p for p in (best.province, best.city, best.district) if p)
    return CourtChoice(
        best.court, DOMICILE_RULES[kind], f"the debtor's domicile: {place}", best.demo
    )


@dataclass(frozen=True)
class Threshold:
    """A province's small-claims ceiling: 50% of its average wage of `year` (CPL Art. 165)."""

    province: str
    amount: Decimal
    year: int
    example: bool = False
    source: str = ""


@dataclass(frozen=True)
class SmallClaims:
    applies: bool | None  # None: the province has no threshold in the table
    threshold: Decimal | None
    year: int | None
    reason: str
    example: bool = False

    RULE = "CPL 2023 Art. 165: up to 50% of the province's previous-year average wage"

    def as_dict(self) -> dict[str, Any]:
        return {
            "applies": self.applies,
            "threshold": str(self.threshold) if self.threshold is not None else None,
            "wage_year": self.year,
            "example": self.example,
            "reason": self.reason,
            "rule": self.RULE,
        }


def small_claims(claim: Decimal, province: str | None, table: list[Threshold]) -> SmallClaims:
    """Whether a money claim falls under the small-claims procedure in the debtor's province
    (the latest year's threshold the table holds for it)."""
    short = short_province(province)
    rows = [t for t in table if short_province(t.province) == short]
    if short is None or not rows:
        return SmallClaims(
            None, None, None, f"no small-claims threshold for {short or 'an unknown province'}"
        )
    t = max(rows, key=lambda r: r.year)
    applies = claim <= t.amount
    word = "within" if applies else "above"
    reason = f"claim {claim:,.2f} is {word} {short}'s threshold {t.amount:,.2f} ({t.year} wages)"
    return SmallClaims(applies, t.amount, t.year, reason, t.example)
