"""The panel of law firms and the choice of a firm by load (rules/law_firms.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rules.law_firms import LawFirm, LawFirmPanel, choose_firm


def firm(fid: str, capacity: int, *, active: bool = True, lawyer_active: bool = True) -> LawFirm:
    n = sum(map(ord, fid)) % 1000
    return LawFirm.model_validate(
        {
            "id": fid, "name": f"{fid} 律师事务所", "address": "上海市", "phone": "021-1",
            "capacity": capacity, "active": active,
            "lawyers": [
                {"name": "王律师", "licence": f"13101200000{n:06d}", "active": lawyer_active}
            ],
        }
    )  # fmt: skip


def test_the_firm_with_the_lowest_share_of_its_capacity_in_use_is_chosen() -> None:
    big, small = firm("big", 100), firm("small", 10)
    # 30 of 100 (30%) against 2 of 10 (20%): the small firm, though it has fewer places left
    assert choose_firm([big, small], {"big": 30, "small": 2}) == small
    assert choose_firm([big, small], {"big": 10, "small": 2}) == big  # 10% < 20%


def test_full_inactive_and_lawyerless_firms_are_skipped_and_none_free_is_none() -> None:
    full, closed = firm("full", 5), firm("closed", 50, active=False)
    nobody = firm("nobody", 50, lawyer_active=False)
    assert choose_firm([full, closed, nobody], {"full": 5}) is None
    free = firm("free", 5)
    assert choose_firm([full, closed, nobody, free], {"full": 5, "free": 4}) == free
    assert choose_firm([free], {"free": 5}) is None


def test_a_licence_number_has_17_digits() -> None:
    with pytest.raises(ValidationError, match="licence"):
        LawFirm.model_validate(
            {"id": "x", "name": "x", "address": "x", "phone": "x", "capacity": 1,
             "lawyers": [{"name": "王", "licence": "1310120000000001"}]}  # 16 digits
        )  # fmt: skip


def test_a_licence_under_two_firms_and_a_firm_listed_twice_are_refused() -> None:
    a = firm("a", 1).model_dump()
    b = {**a, "id": "b"}
    with pytest.raises(ValidationError, match="under two firms"):
        LawFirmPanel.model_validate({"firms": [a, b]})
    with pytest.raises(ValidationError, match="listed twice"):
        LawFirmPanel.model_validate({"firms": [a, a]})


def test_the_letter_deadline_is_3_to_7_working_days() -> None:
    with pytest.raises(ValidationError):
        LawFirmPanel.model_validate({"lawyer_letter": {"deadline_working_days": 10}})
    panel = LawFirmPanel.model_validate({"lawyer_letter": {"deadline_working_days": 3}})
    assert panel.lawyer_letter.deadline_working_days == 3
