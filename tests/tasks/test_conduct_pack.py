"""Conduct rule packs as data: the shipped packs load, bank.yaml chooses one, and a bad pack is
refused with its file and line (hours outside the law's floor, unknown keys, bad times)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rules.conduct_pack import ConductPack, NoContactDays
from rules.enums import Channel
from rules.errors import InputError
from tasks.bank import BANK_FILE, load_bank
from tasks.conduct import CONDUCT_DIR, load_conduct_pack, pack_path, read_conduct_pack
from tasks.policy import check_policy
from tasks.policy_dir import SHIPPED_POLICY_DIR
from tasks.yaml_file import YamlFileError

SHIPPED_CN = SHIPPED_POLICY_DIR / CONDUCT_DIR / "cn.yaml"
SHIPPED_US = SHIPPED_POLICY_DIR / CONDUCT_DIR / "us-regf.yaml"


def line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1, needle
    return text[: text.index(needle)].count("\n") + 1


def problems(path: Path) -> list[tuple[int, str]]:
    with pytest.raises(YamlFileError) as caught:
        read_conduct_pack(path)
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2
    assert "\n" not in str(caught.value)
    return [(p.line, p.message) for p in caught.value.problems]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A policy folder with its own conduct/ packs to break."""
    target = tmp_path / "policy"
    shutil.copytree(SHIPPED_POLICY_DIR, target)
    return target


def write_pack(folder: Path, name: str, text: str) -> Path:
    path = folder / CONDUCT_DIR / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_both_shipped_packs_load() -> None:
    cn = load_conduct_pack(SHIPPED_POLICY_DIR)  # bank.yaml chooses cn
    assert (cn.name, cn.ref, cn.time_zone) == ("cn", "cn@v1", "Asia/Shanghai")
    assert (str(cn.hours), str(cn.floor_hours)) == ("08:00-21:00", "08:00-22:00")
    assert cn.no_contact_days is NoContactDays.STATUTORY
    assert cn.attempts_per_method_per_day == 6 and cn.emergency_after_failed_attempts == 3
    assert Channel.MAIL not in cn.timed_channels and Channel.CALL in cn.timed_channels
    assert cn.rolling_cap is None and cn.quiet_after_conversation_days is None
    us = load_conduct_pack(SHIPPED_POLICY_DIR, "us-regf")
    assert (us.ref, us.time_zone, str(us.hours)) == (
        "us-regf@v1",
        "America/New_York",
        "08:00-21:00",
    )
    assert us.no_contact_days is NoContactDays.NONE and us.attempts_per_method_per_day is None
    assert us.rolling_cap is not None
    assert (us.rolling_cap.attempts, us.rolling_cap.days) == (7, 7)
    assert us.rolling_cap.channels == (Channel.CALL,)
    assert us.quiet_after_conversation_days == 7
    assert read_conduct_pack(SHIPPED_US) == us


def test_the_fingerprint_is_name_version_and_content(folder: Path) -> None:
    cn = read_conduct_pack(SHIPPED_CN)
    name, digest = cn.fingerprint.split(":")
    assert name == "cn@v1" and len(digest) == 12 and int(digest, 16) >= 0
    assert read_conduct_pack(SHIPPED_CN).fingerprint == cn.fingerprint  # stable
    text = SHIPPED_CN.read_text(encoding="utf-8")
    moved = write_pack(folder, "cn", "# a comment\n" + text)
    assert read_conduct_pack(moved).fingerprint == cn.fingerprint  # layout is not content
    write_pack(
        folder,
        "cn",
        text.replace("attempts_per_method_per_day: 6", "attempts_per_method_per_day: 5"),
    )
    edited = read_conduct_pack(moved)
    assert edited.ref == "cn@v1" and edited.fingerprint != cn.fingerprint


def test_bank_yaml_chooses_the_pack(folder: Path) -> None:
    bank = folder / BANK_FILE
    bank.write_text(
        bank.read_text(encoding="utf-8").replace("conduct_pack: cn", "conduct_pack: us-regf"),
        encoding="utf-8",
    )
    assert load_bank(folder).conduct_pack == "us-regf"
    assert load_conduct_pack(folder).name == "us-regf"
    # a folder without bank.yaml uses the default, cn
    bare = folder.parent / "bare"
    bare.mkdir()
    assert load_conduct_pack(bare).name == "cn"


def test_the_policy_folders_own_pack_wins_over_the_shipped_one(tmp_path: Path) -> None:
    text = SHIPPED_CN.read_text(encoding="utf-8").replace("version: 1", "version: 2")
    own = write_pack(tmp_path, "cn", text)
    assert pack_path(tmp_path, "cn") == own
    assert load_conduct_pack(tmp_path).ref == "cn@v2"
    assert pack_path(tmp_path, "us-regf") == SHIPPED_US  # not kept here: the shipped one
    assert pack_path(tmp_path, "../bank") is None  # a name is never a path


def test_hours_outside_the_floor_are_refused_at_their_line(tmp_path: Path) -> None:
    text = SHIPPED_CN.read_text(encoding="utf-8").replace(
        'hours:\n  start: "08:00"\n  end: "21:00"', 'hours:\n  start: "07:00"\n  end: "21:00"'
    )
    path = write_pack(tmp_path, "cn", text)
    assert problems(path) == [
        (
            line_of(text, "\nhours:") + 1,
            "hours: 07:00-21:00 goes outside the law's window floor_hours 08:00-22:00",
        )
    ]
    late = SHIPPED_CN.read_text(encoding="utf-8").replace('end: "21:00"', 'end: "22:30"')
    assert problems(write_pack(tmp_path, "cn", late))[0][1].startswith(
        "hours: 08:00-22:30 goes outside"
    )


def test_unknown_keys_and_duplicates_are_at_their_lines(tmp_path: Path) -> None:
    text = SHIPPED_CN.read_text(encoding="utf-8")
    text = text.replace("identify_bank: true", "identify_bank: true\nquiet_hours: 3")
    text = text.replace("version: 1", "version: 1\nversion: 2")
    path = write_pack(tmp_path, "cn", text)
    assert problems(path) == [
        (line_of(text, "version: 2"), "duplicate key 'version'"),
        (line_of(text, "quiet_hours: 3"), "unknown key 'quiet_hours'"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'end: "21:00"',
            'end: "25:00"',
            "hours.end: '25:00' is not a time \"HH:MM\" (00:00-23:59)",
        ),
        (
            'end: "21:00"',
            "end: 21:00",
            'hours.end: 1260 is a number: write the time in quotes, like "21:00"',
        ),
        ('end: "21:00"', 'end: "8pm"', "hours.end: '8pm' is not a time \"HH:MM\" (00:00-23:59)"),
        ('end: "21:00"', 'end: "07:30"', "hours.end: ends at 07:30, not after its start 08:00"),
        (
            "time_zone: Asia/Shanghai",
            "time_zone: China/Beijing",
            "time_zone: 'China/Beijing' is not an IANA time zone (like Asia/Shanghai)",
        ),
        (
            "stop_flags: [dispute_open,",
            "stop_flags: [disputed,",
            "stop_flags: unknown conduct flag 'disputed' "
            "(known: dispute_open, hardship_review, plan_current)",
        ),
        (
            "no_contact_days: statutory",
            "no_contact_days: sundays",
            "no_contact_days: Input should be 'statutory', 'rest_days' or 'none'",
        ),
        (
            "attempts_per_method_per_day: 6",
            "attempts_per_method_per_day: 0",
            "attempts_per_method_per_day: Input should be greater than or equal to 1",
        ),
        (
            "timed_channels: [sms,",
            "timed_channels: [fax,",
            "timed_channels[0]: Input should be "
            "'sms', 'email', 'app', 'call', 'mail', 'visit', 'court' or 'internal'",
        ),
    ],
)
def test_a_bad_value_is_refused_at_its_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = SHIPPED_CN.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    found = problems(write_pack(tmp_path, "cn", text))
    assert found == [(line_of(text, new), message)]


def test_a_pack_whose_name_is_not_its_file_is_refused(tmp_path: Path) -> None:
    text = SHIPPED_CN.read_text(encoding="utf-8")
    path = write_pack(tmp_path, "cn-strict", text)
    assert problems(path) == [
        (line_of(text, "name: cn"), "name 'cn' is not the file's name ('cn-strict')")
    ]


def test_an_empty_pack_file(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "cn", "# nothing yet\n")
    assert problems(path) == [(1, "expected a mapping of keys")]


def test_a_pack_bank_yaml_names_that_does_not_exist_is_at_bank_yamls_line(folder: Path) -> None:
    bank = folder / BANK_FILE
    text = bank.read_text(encoding="utf-8").replace("conduct_pack: cn", "conduct_pack: uk-fca")
    bank.write_text(text, encoding="utf-8")
    with pytest.raises(YamlFileError) as caught:
        load_conduct_pack(folder)
    (found,) = caught.value.problems
    assert (Path(found.file).name, found.line) == (BANK_FILE, line_of(text, "conduct_pack: uk-fca"))
    assert found.message.startswith(
        "conduct_pack: no conduct pack 'uk-fca' (looked for conduct/uk-fca.yaml"
    )
    with pytest.raises(YamlFileError, match=r"no conduct pack 'nope'"):
        load_conduct_pack(folder, "nope")


def test_policy_check_reports_the_packs_problems(folder: Path) -> None:
    assert check_policy(folder, templates=None).problems == []
    text = SHIPPED_CN.read_text(encoding="utf-8").replace(
        'start: "08:00"\n  end: "21:00"', 'start: "06:00"\n  end: "21:00"'
    )
    write_pack(folder, "cn", text)
    found = [
        (Path(p.file).name, p.line, p.message)
        for p in check_policy(folder, templates=None).problems
    ]
    assert found == [
        (
            "cn.yaml",
            line_of(text, "\nhours:") + 1,
            "hours: 06:00-21:00 goes outside the law's window floor_hours 08:00-22:00",
        )
    ]


def test_the_model_refuses_the_same_without_a_file() -> None:
    data = {
        "name": "x",
        "label": "x",
        "version": 1,
        "time_zone": "UTC",
        "floor_hours": {"start": "08:00", "end": "22:00"},
        "hours": {"start": "08:00", "end": "23:00"},
    }
    with pytest.raises(ValueError, match="goes outside the law's window"):
        ConductPack.model_validate(data)
    data["hours"] = {"start": "09:00", "end": "20:00"}
    assert str(ConductPack.model_validate(data).hours) == "09:00-20:00"
