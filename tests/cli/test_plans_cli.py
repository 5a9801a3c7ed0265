"""`duecourse plan propose|show` and deciding a plan with `review approve|reject`: the JSON
contract (review_id and schedule), maker-checker from the command line, the agreement in the
case file, and one-line errors with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, store_case
from tests.documents.helpers import pdf_text, squash

PROPOSER = "demo.wangfang"  # collectors and a supervisor of the shipped demo roster
COLLECTOR = "demo.liqiang"
SUPERVISOR = "demo.zhoujie"
SUPERVISOR_2 = "demo.wuxia"


@pytest.fixture
def case(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """One open case owing 20,850.00 (fees 50.00, interest 800.00, principal 20,000.00)."""
    monkeypatch.setenv("DUECOURSE_TODAY", "2026-11-10")
    return store_case(tmp_path / "home")[0]


def test_propose_json_carries_the_review_and_the_schedule(cli: Cli, case: int) -> None:
    out = cli(
        "plan", "propose", str(case), "--kind", "installments", "--months", "7",
        "--first-due", "2026-11-30", "--as", PROPOSER, "--json",
    )  # fmt: skip
    assert out.code == 0, out.err
    plan = json.loads(out.out)
    assert isinstance(plan["review_id"], int) and plan["status"] == "proposed"
    amounts = [i["amount"] for i in plan["schedule"]]
    assert amounts == ["2978.58"] + ["2978.57"] * 6  # 20,850.00 to the fen
    assert [i["due_on"] for i in plan["schedule"][2:4]] == ["2027-01-30", "2027-02-28"]
    review = json.loads(cli("review", "show", str(plan["review_id"]), "--json").out)
    assert (review["kind"], review["requested_by"], review["required_role"]) == (
        "plan", PROPOSER, "supervisor",
    )  # fmt: skip


def test_maker_checker_then_the_agreement_in_the_case_file(
    cli: Cli, case: int, tmp_path: Path
) -> None:
    args = ("plan", "propose", str(case), "--kind", "deferral", "--months", "3", "--json")
    plan = json.loads(cli(*args, "--as", SUPERVISOR_2).out)  # a supervisor proposes
    review = str(plan["review_id"])
    own = cli("review", "approve", review, "--as", SUPERVISOR_2)
    assert own.code == 1 and "four-eyes" in own.err and own.err.count("\n") == 1
    collector = cli("review", "approve", review, "--as", COLLECTOR)
    assert collector.code == 1 and "needs the supervisor role" in collector.err
    alone = cli("documents", "render", "repayment_agreement", "--case", str(case))
    assert alone.code == 1 and "rendered when its plan is approved" in alone.err
    approved = cli("review", "approve", review, "--as", SUPERVISOR)
    assert approved.code == 0, approved.err
    assert f"plan {plan['id']} is current" in approved.out
    file = json.loads(cli("case", str(case), "--json").out)
    shown = file["plans"][0]
    assert (shown["id"], shown["status"], shown["decided_by"]) == (
        plan["id"],
        "current",
        SUPERVISOR,
    )
    number = shown["agreement_number"]
    assert number.startswith("RA-2026-")
    assert {d["number"] for d in file["documents"]} == {number}
    pdf = next(d for d in file["documents"] if d["format"] == "pdf")
    agreement = squash(
        pdf_text((tmp_path / "home" / "documents" / pdf["path"]).read_bytes(), tmp_path)
    )
    assert "还款方式：延期还款。乙方暂缓还款3个月" in agreement
    assert "人民币贰万零捌佰伍拾元整" in agreement
    reprint = cli("documents", "render", "repayment_agreement", "--case", str(case),
                  "--format", "both", "--json")  # fmt: skip
    assert json.loads(reprint.out)["reused"] == 2  # the stored agreement, never a second one
    text = cli("plan", "show", str(case))
    assert text.code == 0 and f"agreement {number}" in text.out and "deferral  current" in text.out
    again = cli("plan", "propose", str(case), "--kind", "installments", "--months", "6",
                "--as", PROPOSER)  # fmt: skip
    assert again.code == 1 and "current since" in again.err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--kind", "installments", "--months", "72"), 2, "5-year limit"),
        (("--kind", "instalments", "--months", "6"), 2, "--kind"),
        (("--kind", "deferral", "--months", "9"), 2, "at most 6 months"),
        (("--kind", "installments", "--months", "6", "--first-due", "2026-11-01"), 2, "past"),
        (("--kind", "installments", "--months", "6", "--first-due", "31/12"), 2, "--first-due"),
    ],
)
def test_bad_terms_are_one_line_with_a_non_zero_exit(
    cli: Cli, case: int, args: tuple[str, ...], code: int, message: str
) -> None:
    out = cli("plan", "propose", str(case), *args, "--as", PROPOSER)
    assert out.code == code and message in out.err
    assert out.err.count("\n") == 1 and "Traceback" not in out.err


def test_an_unknown_proposer_or_case_is_refused(cli: Cli, case: int) -> None:
    nobody = cli("plan", "propose", str(case), "--kind", "fee-waiver", "--as", "nobody")
    assert nobody.code == 1 and "not in the roster" in nobody.err
    missing = cli("plan", "show", "99999")
    assert missing.code == 1 and "no case" in missing.err
