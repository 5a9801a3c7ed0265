"""bank.yaml through the one YAML loader: every problem at its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules.errors import InputError
from tasks.bank import BANK_FILE, load_bank
from tasks.policy import SHIPPED_POLICY_DIR
from tasks.yaml_file import YamlFileError

SHIPPED = (SHIPPED_POLICY_DIR / BANK_FILE).read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_the_shipped_bank_file_loads() -> None:
    assert load_bank(SHIPPED_POLICY_DIR).letters.collection_letter.deadline_days == 10


def test_every_problem_is_at_its_line(tmp_path: Path) -> None:
    """Before, a bad value named its field but not its line, only the first problem was told,
    and a key written twice was silently the last one."""
    text = SHIPPED.replace("    deadline_days: 10", "    deadline_days: ten")
    text = text.replace("mail_transit_days: 3", "mail_transit_days: 3\nmail_transit_days: 4")
    text = text.replace("hotline: 400-000-0000\n", "")
    (tmp_path / BANK_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(YamlFileError) as caught:
        load_bank(tmp_path)
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2
    found = [(p.line, p.message) for p in caught.value.problems]
    assert found == [
        (1, "missing key 'hotline'"),
        (line_of(text, "mail_transit_days: 4"), "duplicate key 'mail_transit_days'"),
        (
            line_of(text, "deadline_days: ten"),
            "letters.collection_letter.deadline_days: Input should be a valid integer, "
            "unable to parse string as an integer",
        ),
    ]
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / BANK_FILE}:1: missing key 'hotline' (and 2 more)")
    assert "\n" not in message


def test_an_empty_or_missing_bank_file(tmp_path: Path) -> None:
    (tmp_path / BANK_FILE).write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bank.yaml:1: expected a mapping of keys$"):
        load_bank(tmp_path)
    with pytest.raises(InputError, match=r"bank.yaml:1: cannot read: "):
        load_bank(tmp_path / "elsewhere")
