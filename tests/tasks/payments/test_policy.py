"""The payments policy: the shipped order, a bad order refused at its line, `policy check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rules.allocation import DEFAULT_ORDER, Head
from tasks.payments.policy import PAYMENTS_FILE, load_payment_policy
from tasks.policy import check_policy
from tasks.policy_dir import SHIPPED_POLICY_DIR
from tasks.yaml_file import YamlFileError


def test_shipped_order_is_fees_interest_principal() -> None:
    assert load_payment_policy(SHIPPED_POLICY_DIR).allocation_order == DEFAULT_ORDER


def test_a_folder_of_its_own_wins(tmp_path: Path) -> None:
    (tmp_path / PAYMENTS_FILE).write_text(
        "allocation_order: [principal, interest, fees]\n", encoding="utf-8"
    )
    order = load_payment_policy(tmp_path).allocation_order
    assert order == (Head.PRINCIPAL, Head.INTEREST, Head.FEES)


def test_not_a_permutation_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / PAYMENTS_FILE
    path.write_text("# order\nallocation_order: [fees, fees, principal]\n", encoding="utf-8")
    with pytest.raises(YamlFileError) as caught:
        load_payment_policy(tmp_path)
    problem = caught.value.problems[0]
    assert problem.line == 2 and "exactly once" in problem.message


def test_policy_check_reports_it(tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(SHIPPED_POLICY_DIR, folder)
    assert check_policy(folder, templates=None).problems == []
    (folder / PAYMENTS_FILE).write_text("allocation_order: [fees]\n", encoding="utf-8")
    problems = check_policy(folder, templates=None).problems
    assert [p.line for p in problems] == [1] and "exactly once" in problems[0].message
