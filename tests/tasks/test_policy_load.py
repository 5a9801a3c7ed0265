"""Loading the policy from YAML: folders, single files, and file:line on every problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from duecourse.settings import Settings
from rules.enums import Role, Stage
from tasks.policy import (
    SHIPPED_POLICY_DIR,
    PolicyError,
    check_policy,
    load_policy,
    load_roster,
    resolve_policy_dir,
)

# the shipped lawyer_letter entry (policy/ladder.yaml), which the tests below break
LAWYER_LETTER_ENTRY = (
    "entry: {min_dpd: 91, min_balance: 3000, events: [demand_delivered], "
    "without_events: [hardship_claimed, plan_requested, promise_to_pay, dispute_open]}"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped policy folder to break."""
    target = tmp_path / "policy"
    shutil.copytree(SHIPPED_POLICY_DIR, target)
    return target


def edit(file: Path, old: str, new: str) -> int:
    """Replace `old` (once) and return the 1-based line where it was."""
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    file.write_text(text.replace(old, new), encoding="utf-8")
    return line


def lines_of(folder: Path) -> list[str]:
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in check_policy(folder).problems]


def test_the_shipped_policy_loads_clean() -> None:
    result = check_policy(SHIPPED_POLICY_DIR)
    assert result.problems == [] and result.ok
    assert result.templates_checked  # documents/templates has kinds
    assert result.policy is not None and result.policy.has_stage(Stage.LITIGATION)
    assert {u.role for u in result.users} == set(Role)
    assert load_policy(SHIPPED_POLICY_DIR).version == result.policy.version


def test_comments_and_layout_do_not_change_the_version(folder: Path) -> None:
    before = load_policy(folder).version
    ladder = folder / "ladder.yaml"
    ladder.write_text("# a new comment\n" + ladder.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_policy(folder).version == before
    edit(ladder, "offset: 3, unit: working", "offset: 4, unit: working")
    assert load_policy(folder).version != before
    changed = load_policy(folder).version
    edit(folder / "roster.yaml", "capacity: 100, demo: true}", "capacity: 9, demo: true}")
    assert load_policy(folder).version == changed  # the roster is not part of the version


def test_unknown_key_and_bad_value_point_at_their_lines(folder: Path) -> None:
    ladder = folder / "ladder.yaml"
    n1 = edit(ladder, "{key: first_call, channel: call,", "{key: first_call, chanel: call,")
    n2 = edit(ladder, "{key: demand_call, channel: call,", "{key: demand_call, channel: fax,")
    found = lines_of(folder)
    assert f"ladder.yaml:{n1}: unknown key 'chanel'" in found
    assert f"ladder.yaml:{n1}: missing key 'channel'" in found
    assert any(
        p.startswith(f"ladder.yaml:{n2}: stages[2].actions[1].channel: Input") for p in found
    )
    with pytest.raises(PolicyError, match=rf"ladder.yaml:{n1}: "):
        load_policy(folder)


def test_validator_problems_point_at_their_lines(folder: Path) -> None:
    ladder = folder / "ladder.yaml"
    n1 = edit(ladder, "template: collection_letter,", "template: collection_lettre,")
    n2 = edit(ladder, LAWYER_LETTER_ENTRY, "entry: {min_dpd: 90}")
    found = lines_of(folder)
    assert found[0].startswith(f"ladder.yaml:{n1}: unknown template 'collection_lettre'")
    assert f"ladder.yaml:{n2}: entry of lawyer_letter overlaps the entry of formal_demand: " \
           "a case could match both" in found  # fmt: skip


def test_yaml_syntax_error_and_duplicate_keys(folder: Path) -> None:
    risk = folder / "risk.yaml"
    n = edit(risk, "  high: 60\n", "  high: 60\n  high: 70\n")
    assert f"risk.yaml:{n + 1}: duplicate key 'high'" in lines_of(folder)
    ladder = folder / "ladder.yaml"
    n = edit(ladder, f"    {LAWYER_LETTER_ENTRY}", "    owner_role: [legal\n")
    with pytest.raises(PolicyError) as caught:
        check_policy(folder)
    problem = caught.value.problems[0]
    assert problem.file.endswith("ladder.yaml") and problem.message.startswith("not valid YAML")
    assert n <= problem.line <= n + 3


def test_bucket_and_roster_problems(folder: Path) -> None:
    n = edit(folder / "buckets.yaml", "{bucket: M3, max_dpd: 90}", "{bucket: M3, max_dpd: 50}")
    assert any(
        p.startswith(f"buckets.yaml:{n}: buckets[3]: max_dpd must be") for p in lines_of(folder)
    )
    shutil.copy(SHIPPED_POLICY_DIR / "buckets.yaml", folder / "buckets.yaml")
    roster = folder / "roster.yaml"
    n1 = edit(roster, "{name: demo.liqiang,", "{name: demo.wangfang,")
    assert lines_of(folder) == [f"roster.yaml:{n1}: user name 'demo.wangfang' is used twice"]
    with pytest.raises(PolicyError, match=rf"roster.yaml:{n1}: "):
        load_roster(folder)


def test_role_nobody_holds(folder: Path) -> None:
    roster = folder / "roster.yaml"
    text = roster.read_text(encoding="utf-8")
    roster.write_text("\n".join(ln for ln in text.splitlines() if "role: legal" not in ln))
    found = lines_of(folder)
    assert found and all("no user in the roster has role legal" in p for p in found)
    assert all(p.startswith("ladder.yaml:") for p in found)


def test_a_single_file_takes_missing_parts_from_its_folder(folder: Path) -> None:
    ladder = folder / "ladder.yaml"
    assert check_policy(ladder).ok
    edit(ladder, "template: predue_email,", "template: predue_mail,")
    found = [str(p) for p in check_policy(ladder).problems]
    assert len(found) == 1 and "unknown template 'predue_mail'" in found[0]


def test_a_single_combined_file(tmp_path: Path) -> None:
    parts = [
        (SHIPPED_POLICY_DIR / "ladder.yaml").read_text(encoding="utf-8"),
        (SHIPPED_POLICY_DIR / "buckets.yaml").read_text(encoding="utf-8"),
        (SHIPPED_POLICY_DIR / "roster.yaml").read_text(encoding="utf-8"),
        "risk:\n  tiers: {high: 50, medium: 20}\n  rules: []\n",
    ]
    combined = tmp_path / "bank.yaml"
    combined.write_text("\n".join(parts), encoding="utf-8")
    result = check_policy(combined)
    assert result.ok, result.problems
    assert result.policy is not None and result.policy.risk.tiers.high == 50
    assert set(result.files.values()) == {str(combined)}
    combined.write_text("\n".join([*parts, "colour: blue\n"]), encoding="utf-8")
    assert [p.message for p in check_policy(combined).problems] == ["unknown key 'colour'"]


def test_templates_can_be_given_or_skipped() -> None:
    found = check_policy(SHIPPED_POLICY_DIR, templates={"reminder_sms"}).problems
    assert {p.message.split(" (")[0] for p in found} == {
        "unknown template 'predue_sms'",
        "unknown template 'predue_email'",
        "unknown template 'collection_letter'",
    }
    assert check_policy(SHIPPED_POLICY_DIR, templates=None).ok


def test_policy_dir_from_the_environment(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(folder / "ladder.yaml", "label: default ladder", "label: bank ladder")
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(folder))
    assert load_policy().label.startswith("bank ladder")
    assert len(load_roster()) == 13


def test_missing_source_and_unknown_file_key(folder: Path) -> None:
    with pytest.raises(PolicyError, match="no such file or folder"):
        check_policy(folder / "nope")
    n = edit(folder / "risk.yaml", "tiers:\n", "teirs:\n")
    found = lines_of(folder)
    assert f"risk.yaml:{n}: unknown key 'teirs' in risk.yaml" in found
    assert "risk.yaml:1: missing key 'tiers'" in found


def test_bucket_problems_point_at_the_key_and_unknown_keys_are_refused(folder: Path) -> None:
    """buckets.yaml is a pydantic model (rules.buckets.BucketsFile) whose problems carry their
    path: the line is the key's own, not the entry's; before, an error's text was parsed back
    for the entry's index and a misspelt key was silently ignored."""
    buckets = folder / "buckets.yaml"
    n = edit(buckets, "{bucket: M3, max_dpd: 90}", "bucket: M3\n    max_dpd: 50")
    assert f"buckets.yaml:{n + 1}: buckets[3]: max_dpd must be an integer above 60" in lines_of(
        folder
    )
    shutil.copy(SHIPPED_POLICY_DIR / "buckets.yaml", buckets)
    n = edit(buckets, "{bucket: M2, max_dpd: 60}", "{bucket: M2, max_dbd: 60}")
    assert lines_of(folder) == [f"buckets.yaml:{n}: unknown key 'max_dbd'"]
    shutil.copy(SHIPPED_POLICY_DIR / "buckets.yaml", buckets)
    n = edit(buckets, "{bucket: M7+}", "{bucket: M8}")
    (problem,) = lines_of(folder)
    assert problem.startswith(f"buckets.yaml:{n}: buckets[7].bucket: Input should be 'M0'")


def test_a_value_shaped_like_an_impossible_date_is_text_not_a_crash(folder: Path) -> None:
    """Regression: YAML read `2026-02-30` as a timestamp and the loader died with ValueError."""
    edit(folder / "ladder.yaml", "label: default ladder", "label: 2026-02-30")
    assert load_policy(folder).label.startswith("2026-02-30")


def test_one_resolver_for_the_policy_folder(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI and the flows choose the policy folder the same way: $DUECOURSE_POLICY_DIR, else
    `<home>/policy` when the home keeps one, else the shipped one. Before, a flow run without
    `policy_dir` ignored the home's policy folder that the CLI used."""
    monkeypatch.delenv("DUECOURSE_POLICY_DIR", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DUECOURSE_HOME", str(home))
    assert resolve_policy_dir() == SHIPPED_POLICY_DIR
    edit(folder / "ladder.yaml", "label: default ladder", "label: home ladder")
    shutil.copytree(folder, home / "policy")
    assert resolve_policy_dir() == home / "policy"
    assert Settings.resolve().policy_dir == home / "policy"
    assert load_policy().label.startswith("home ladder")
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", str(SHIPPED_POLICY_DIR))
    assert resolve_policy_dir(home) == SHIPPED_POLICY_DIR
    assert Settings.resolve(str(home)).policy_dir == SHIPPED_POLICY_DIR
    monkeypatch.setenv("DUECOURSE_POLICY_DIR", "")  # empty is unset
    assert resolve_policy_dir(home) == home / "policy"
