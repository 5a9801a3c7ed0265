"""The court by the jurisdiction table (most specific row; the agreed forum except for a payment
order) and the small-claims flag against the province's threshold (CPL 2023 Art. 165)."""

from __future__ import annotations

from decimal import Decimal

from rules.jurisdiction import (
    AgreedForum,
    CourtRow,
    FilingKind,
    Threshold,
    choose_court,
    in_mainland,
    short_province,
    small_claims,
)

ROWS = [
    CourtRow("浙江", "省级兜底法院"),
    CourtRow("浙江", "杭州市兜底法院", city="杭州市"),
    CourtRow("浙江", "西湖区法院", city="杭州市", district="西湖区"),
    CourtRow("江苏", "南京法院", city="南京市"),
]
ADDRESS = "浙江省杭州市西湖区文三路100号"


def test_the_most_specific_matching_row_wins() -> None:
    choice = choose_court(ROWS, FilingKind.SUIT, province="浙江省", address=ADDRESS)
    assert choice.court == "西湖区法院" and "Art. 24" in choice.basis
    city = choose_court(ROWS, FilingKind.SUIT, province="浙江", address="浙江省杭州市上城区1号")
    assert city.court == "杭州市兜底法院"
    province = choose_court(ROWS, FilingKind.SUIT, province="浙江", address="浙江省宁波市1号")
    assert province.court == "省级兜底法院"


def test_no_row_gives_no_court_and_says_so() -> None:
    choice = choose_court(ROWS, FilingKind.SUIT, province="广东", address="广东省广州市1号")
    assert choice.court is None and "courts.yaml" in choice.reason


def test_the_agreed_forum_serves_a_suit_but_not_a_payment_order() -> None:
    agreed = AgreedForum("约定法院", "领用合约第20条")
    suit = choose_court(ROWS, FilingKind.SUIT, province="浙江", address=ADDRESS, agreed=agreed)
    assert suit.court == "约定法院" and "Art. 35" in suit.basis
    po = choose_court(
        ROWS, FilingKind.PAYMENT_ORDER, province="浙江", address=ADDRESS, agreed=agreed
    )
    assert po.court == "西湖区法院" and "Art. 23" in po.basis


def test_small_claims_flag_against_the_latest_threshold() -> None:
    table = [
        Threshold("浙江", Decimal("50000"), 2021, example=True),
        Threshold("浙江", Decimal("54323"), 2022, example=True),
    ]
    within = small_claims(Decimal("54323"), "浙江省", table)
    assert within.applies is True and within.year == 2022 and within.example
    above = small_claims(Decimal("54323.01"), "浙江", table)
    assert above.applies is False and "above" in above.reason
    unknown = small_claims(Decimal("100"), "西藏", table)
    assert unknown.applies is None and unknown.threshold is None


def test_provinces_in_short_form_and_the_mainland() -> None:
    assert short_province("广西壮族自治区") == "广西"
    assert short_province("上海市") == "上海"
    assert in_mainland("浙江省") is True
    assert in_mainland("香港特别行政区") is False
    assert in_mainland(None) is None
