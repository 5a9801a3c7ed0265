"""The bank's panel of law firms (`policy/law_firms.yaml`) and how a case is given to one.

A firm is data the bank keeps: its name, address and phone (the lawyer's letter's letterhead),
how many open cases it takes (`capacity`), and its lawyers. A lawyer's licence number
(执业证号) is the 17-digit number of the practising certificate (律师执业证, 律师执业管理办法
Art. 7; the lawyer signs the letter with it, 律师法 Art. 28). A lawyer's letter is issued by the
firm (律师法 Art. 25: the firm, not the lawyer, takes the engagement), so a case is placed with a
firm and one of its active lawyers signs.

Choosing a firm (`choose_firm`) is balancing by load: the active firm with the lowest share of
its capacity in use, full firms skipped. Pure: the loads are given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field, model_validator

LICENCE_PATTERN = r"^\d{17}$"  # 律师执业证号: 17 digits


class Lawyer(BaseModel):
    """A lawyer of a panel firm, who signs its letters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    licence: str = Field(pattern=LICENCE_PATTERN, description="执业证号, 17 digits")
    active: bool = True


class LawFirm(BaseModel):
    """A panel firm: the letterhead, its capacity (open placements) and its lawyers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    name: str = Field(min_length=1, max_length=120)
    address: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=1, max_length=40)
    capacity: int = Field(ge=0, description="open cases it takes at most")
    active: bool = True
    demo: bool = False  # an invented firm (the shipped panel): its letters say so
    lawyers: tuple[Lawyer, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_lawyers(self) -> LawFirm:
        seen: set[str] = set()
        for lawyer in self.lawyers:
            if lawyer.licence in seen:
                raise ValueError(f"licence {lawyer.licence} is listed twice")
            seen.add(lawyer.licence)
        return self

    @property
    def signing_lawyer(self) -> Lawyer | None:
        """The lawyer who signs the firm's letters: its first active lawyer."""
        return next((lawyer for lawyer in self.lawyers if lawyer.active), None)

    def lawyer(self, licence: str) -> Lawyer | None:
        return next((lawyer for lawyer in self.lawyers if lawyer.licence == licence), None)


class LetterTerms(BaseModel):
    """The lawyer's letter's payment deadline: the letter date plus the mail's transit days
    (bank.yaml) plus `deadline_working_days` working days (Civil Code Arts. 201, 203)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # a lawyer's letter gives 3 to 7 days to pay (domain.md section 9)
    deadline_working_days: int = Field(default=7, ge=3, le=7)


class LawFirmPanel(BaseModel):
    """The whole file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    firms: tuple[LawFirm, ...] = ()
    lawyer_letter: LetterTerms = LetterTerms()

    @model_validator(mode="after")
    def _distinct(self) -> LawFirmPanel:
        ids: set[str] = set()
        licences: set[str] = set()
        for firm in self.firms:
            if firm.id in ids:
                raise ValueError(f"firm id {firm.id!r} is listed twice")
            ids.add(firm.id)
            for lawyer in firm.lawyers:
                if lawyer.licence in licences:
                    raise ValueError(f"licence {lawyer.licence} is listed under two firms")
                licences.add(lawyer.licence)
        return self

    def firm(self, firm_id: str) -> LawFirm | None:
        return next((f for f in self.firms if f.id == firm_id), None)

    @property
    def demo(self) -> bool:
        return any(f.demo for f in self.firms)


def takes_cases(firm: LawFirm) -> bool:
    """An active firm with an active lawyer to sign its letters."""
    return firm.active and firm.signing_lawyer is not None


def choose_firm(firms: Sequence[LawFirm], loads: Mapping[str, int]) -> LawFirm | None:
    """The active firm with the lowest load/capacity ratio (ties: the smaller load, then the
    panel's order); full firms and firms of capacity 0 skipped. None when none has room."""
    best: tuple[Fraction, int, int] | None = None
    chosen: LawFirm | None = None
    for order, firm in enumerate(firms):
        load = loads.get(firm.id, 0)
        if not takes_cases(firm) or firm.capacity <= 0 or load >= firm.capacity:
            continue
        rank = (Fraction(load, firm.capacity), load, order)
        if best is None or rank < best:
            best, chosen = rank, firm
    return chosen
