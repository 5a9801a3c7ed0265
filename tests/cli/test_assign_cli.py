"""`duecourse assign` and `duecourse reassign`: owners by hand, the reason in the timeline."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Cli
from tests.cli.cycle_home import seed


def test_assign_records_the_reason_and_refuses_wrong_users(cli: Cli, tmp_path: Path) -> None:
    ids = seed(tmp_path / "home")
    out = cli(
        "assign", str(ids[0]), "--to", "demo.huangli", "--reason", "holiday cover",
        "--as-of", "2026-11-02", "--json",
    )  # fmt: skip
    assert out.code == 0, out.err
    assert json.loads(out.out)["owner"] == "demo.huangli"
    case = json.loads(cli("case", str(ids[0]), "--json").out)
    assert case["owner"] == "demo.huangli"
    assert any(e["event"] == "owner" and "holiday cover" in e["detail"] for e in case["timeline"])
    unknown = cli("assign", str(ids[0]), "--to", "nobody.here")
    assert unknown.code == 1 and "unknown user 'nobody.here'" in unknown.err
    wrong_role = cli("assign", str(ids[0]), "--to", "demo.xulawyer")
    assert wrong_role.code == 1 and "legal" in wrong_role.err and "collector" in wrong_role.err
    missing = cli("assign", "9999", "--to", "demo.huangli")
    assert missing.code == 1 and "no case 9999" in missing.err


def test_reassign_spreads_a_desk_by_load_or_moves_it_to_one_user(cli: Cli, tmp_path: Path) -> None:
    ids = seed(tmp_path / "home")
    for case_id in ids:
        assert cli("assign", str(case_id), "--to", "demo.wangfang").code == 0
    spread = cli("reassign", "--from", "demo.wangfang", "--reason", "left the bank", "--json")
    assert spread.code == 0, spread.err
    data = json.loads(spread.out)
    assert data["moved"] == 3 and "demo.wangfang" not in data["to"]
    assert sum(data["to"].values()) == 3
    listing = json.loads(cli("cases", "--owner", "demo.wangfang", "--json").out)
    assert listing["count"] == 0
    target = next(iter(data["to"]))
    to_one = cli("reassign", "--from", target, "--to", "demo.zhaojun", "--json")
    assert to_one.code == 0 and json.loads(to_one.out)["to"] == {"demo.zhaojun": data["to"][target]}
    case = json.loads(cli("case", str(ids[0]), "--json").out)
    assert any("left the bank" in e["detail"] for e in case["timeline"])


def test_a_case_id_beyond_the_database_integer_is_just_unknown(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    out = cli("assign", "99999999999999999999", "--to", "demo.huangli")
    assert out.code == 1 and out.err.strip() == "duecourse: no case 99999999999999999999"


def test_a_huge_limit_lists_everything_instead_of_overflowing(cli: Cli, tmp_path: Path) -> None:
    seed(tmp_path / "home")
    for command in (("cases",), ("review", "list"), ("documents", "list")):
        out = cli(*command, "--limit", "99999999999999999999", "--json")
        assert out.code == 0, (command, out.err)
        json.loads(out.out)
