"""The court tables: a bank's own folder wins, a missing file falls back to the shipped one, and
a bad file is reported by `policy check` at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.courts import court_table_problems, load_courts, load_small_claims
from tasks.policy_dir import SHIPPED_POLICY_DIR
from tasks.yaml_file import YamlFileError


def test_shipped_tables_load_and_mark_their_demo_rows() -> None:
    courts = load_courts(SHIPPED_POLICY_DIR)
    assert courts.agreed() is None and courts.litigant.demo
    assert all(row.demo for row in courts.rows())
    table = load_small_claims(SHIPPED_POLICY_DIR).table()
    assert {(t.province, t.year, t.example) for t in table} >= {("浙江", 2022, True)}
    assert court_table_problems(SHIPPED_POLICY_DIR) == []


def test_a_bank_folder_without_the_files_uses_the_shipped_ones(tmp_path: Path) -> None:
    assert load_courts(tmp_path).rows() == load_courts(SHIPPED_POLICY_DIR).rows()


def test_a_bad_table_is_one_located_problem(tmp_path: Path) -> None:
    (tmp_path / "courts.yaml").write_text(
        "litigant: {representative: 王, title: 行长, phone: '1'}\n"
        "courts:\n  - {province: 浙江, court: X法院, county: 西湖}\n",
        encoding="utf-8",
    )
    (tmp_path / "small_claims.yaml").write_text(
        "thresholds:\n  - {province: 浙江, wage_year: 2022, threshold: -5}\n", encoding="utf-8"
    )
    with pytest.raises(YamlFileError):
        load_courts(tmp_path)
    problems = court_table_problems(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [
        ("courts.yaml", 3), ("small_claims.yaml", 2),
    ]  # fmt: skip
    assert "county" in problems[0].message
