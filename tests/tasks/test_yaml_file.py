"""The one YAML loader: lines of keys and items, duplicate keys, dates as text, pydantic errors
as `file:line: message`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from rules.errors import InputError
from tasks.yaml_file import YamlFileError, YamlRefusedError, load_model, read_yaml


class Item(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    size: int = Field(ge=0)


class Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    items: tuple[Item, ...] = Field(min_length=1)
    by_year: dict[int, Item] = {}


TEXT = """\
# a comment
items:
  - name: a
    size: 1
  - {name: b, size: -1}
by_year:
  2027:
    name: c
    size: x
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_lines_of_keys_and_items_and_their_nearest_ancestor(tmp_path: Path) -> None:
    doc = read_yaml(write(tmp_path, TEXT))
    assert doc.line(("items",)) == 2
    assert doc.line(("items", 1)) == 5 and doc.line(("items", 0, "size")) == 4
    assert doc.line(("by_year", 2027, "size")) == 9  # an int key finds its text
    assert doc.line(("items", 0, "colour")) == 3  # no such key: its mapping's line
    assert doc.line(()) == 1
    assert doc.dotted(("items", 1, "size")) == "items[1].size"
    assert doc.dotted(("by_year", 2027, "size")) == "by_year.2027.size"


def test_validation_errors_are_located_one_line_each(tmp_path: Path) -> None:
    path = write(tmp_path, TEXT)
    with pytest.raises(YamlFileError) as caught:
        load_model(path, Doc)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:5: items[1].size: Input should be greater than or equal to 0",
        f"{path}:9: by_year.2027.size: Input should be a valid integer, unable to parse string "
        "as an integer",
    ]
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2
    assert str(caught.value) == f"{caught.value.problems[0]} (and 1 more)"


def test_unknown_missing_duplicate_and_shape(tmp_path: Path) -> None:
    path = write(tmp_path, "items:\n  - name: a\n    colour: red\n    name: b\nby_year: [1]\n")
    with pytest.raises(YamlFileError) as caught:
        load_model(path, Doc)
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (2, "missing key 'size'"),
        (3, "unknown key 'colour'"),
        (4, "duplicate key 'name'"),
        (5, "by_year: expected a mapping of keys"),
    ]


def test_a_list_is_not_too_short_because_its_items_failed(tmp_path: Path) -> None:
    path = write(tmp_path, "items:\n  - {name: a}\n")
    with pytest.raises(YamlFileError) as caught:
        load_model(path, Doc)
    assert [p.message for p in caught.value.problems] == ["missing key 'size'"]
    with pytest.raises(YamlFileError, match=r"doc.yaml:1: items: Tuple should have at least 1"):
        load_model(write(tmp_path, "items: []\n"), Doc)


def test_dates_stay_text_and_bad_yaml_is_located(tmp_path: Path) -> None:
    doc = read_yaml(write(tmp_path, "a: 2027-02-30\nb: 2027-01-01\n"))
    assert doc.data == {"a": "2027-02-30", "b": "2027-01-01"}
    with pytest.raises(YamlFileError, match=r"doc.yaml:3: not valid YAML: "):
        read_yaml(write(tmp_path, "a: 1\nb: [\n"))
    with pytest.raises(YamlFileError, match=r"nope.yaml:1: cannot read: "):
        read_yaml(tmp_path / "nope.yaml")


# Hostile files: refused before anything is built, one located line, exit 2.
LAUGHS = "# lol\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (LAUGHS, 2, "anchor &a refused (anchors and aliases are not allowed)"),
        ("# x\na: &a [*a]\n", 2, "anchor &a refused"),
        ("a: 1\nb: *nowhere\n", 2, "alias *nowhere refused"),
        ("a: 1\nb: " + "[" * 100_000 + "\n", 2, "nested deeper than 50 levels: refused"),
        ("".join("  " * i + f"k{i}:\n" for i in range(80)), 51, "nested deeper than 50 levels"),
        ("# padding\n" * 110_000, 1, "file larger than 1 MiB: refused"),
    ],
    ids=["billion-laughs", "recursive-anchor", "alias", "deep-flow", "deep-block", "too-large"],
)
def test_hostile_files_are_refused_at_their_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """Before: the billion laughs grew without bound (MemoryError), a recursive anchor built a
    self-referencing list and deep nesting crashed the composer."""
    path = write(tmp_path, text)
    with pytest.raises(YamlRefusedError) as caught:
        read_yaml(path)
    assert str(caught.value).startswith(f"{path}:{line}: {message}")
    assert caught.value.exit_code == 2 and len(caught.value.problems) == 1


def test_fifty_levels_and_a_plain_file_still_load(tmp_path: Path) -> None:
    """Fifty levels: the root mapping, 48 nested mappings and a list (a BOM is fine too)."""
    text = "".join("  " * i + f"k{i}:\n" for i in range(48)) + "  " * 48 + "k48: [1]\n"
    doc = read_yaml(write(tmp_path, "\ufeff" + text))
    assert doc.line(tuple(f"k{i}" for i in range(49))) == 49


def test_a_device_or_fifo_is_not_read(tmp_path: Path) -> None:
    with pytest.raises(YamlRefusedError, match=r"^/dev/zero:1: not a regular file$"):
        read_yaml(Path("/dev/zero"))
