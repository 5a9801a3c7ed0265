"""Loading the conduct rule pack in use: `<policy>/conduct/<name>.yaml`, the name chosen by
`conduct_pack` in the policy folder's bank.yaml (default `cn`).

A pack is looked for in the policy folder's `conduct/` first, then in the shipped
`policy/conduct/`, so a bank that keeps its own policy folder can still choose a shipped pack.
It is read by the one YAML loader (tasks/yaml_file.py): every problem is `file:line: message`
(YamlFileError, an InputError: exit 2), a pack whose hours go outside the law's floor included
(rules/conduct_pack.py). A pack's `name` must be its file's name, so the name stored on a contact
finds the file again.
"""

from __future__ import annotations

import re
from pathlib import Path

from rules.conduct_pack import ConductPack
from tasks.bank import BANK_FILE, load_bank
from tasks.policy_dir import SHIPPED_POLICY_DIR, resolve_policy_dir
from tasks.yaml_file import LocatedProblem, YamlFileError, read_yaml, shown

CONDUCT_DIR = "conduct"
DEFAULT_PACK = "cn"
_PACK_KEY = "conduct_pack"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")  # as ConductPack.name: never a path


def read_conduct_pack(path: Path) -> ConductPack:
    """The pack in `path`, validated; YamlFileError with every problem at its line."""
    doc = read_yaml(path)
    pack = doc.validate(ConductPack)
    if pack.name != path.stem:
        message = f"name {pack.name!r} is not the file's name ({path.stem!r})"
        doc.check([(("name",), message)])
    return pack


def pack_path(policy_dir: Path, name: str) -> Path | None:
    """`conduct/<name>.yaml` in the policy folder, else in the shipped policy, else None (and
    None for a name that is not a pack's name, so no name reaches outside `conduct/`)."""
    if not _NAME.match(name):
        return None
    for folder in (policy_dir, SHIPPED_POLICY_DIR):
        candidate = folder / CONDUCT_DIR / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    return None


def chosen_pack(policy_dir: Path) -> str:
    """The pack bank.yaml chooses (`conduct_pack`), or the default when there is no bank.yaml."""
    if not (policy_dir / BANK_FILE).is_file():
        return DEFAULT_PACK
    return load_bank(policy_dir).conduct_pack


def _missing(policy_dir: Path, name: str, chosen_in_bank: bool) -> YamlFileError:
    """No file for the pack: located at bank.yaml's `conduct_pack` when that is where the name
    came from."""
    looked = f"{CONDUCT_DIR}/{name}.yaml in {shown(policy_dir)} or the shipped policy"
    if chosen_in_bank:
        bank = read_yaml(policy_dir / BANK_FILE)
        message = f"{_PACK_KEY}: no conduct pack {name!r} (looked for {looked})"
        return YamlFileError([bank.problem((_PACK_KEY,), message)])
    where = shown(policy_dir / CONDUCT_DIR)
    return YamlFileError([LocatedProblem(where, 1, f"no conduct pack {name!r} ({looked})")])


def load_conduct_pack(policy_dir: Path | None = None, name: str | None = None) -> ConductPack:
    """The pack in use: `name`, else the one bank.yaml chooses, else `cn`; looked for in the
    policy folder (default: `resolve_policy_dir()`) and then the shipped one."""
    folder = (policy_dir or resolve_policy_dir()).resolve()
    if folder.is_file():
        folder = folder.parent  # a single policy file: its folder's packs
    chosen_in_bank = name is None and (folder / BANK_FILE).is_file()
    wanted = name if name is not None else chosen_pack(folder)
    path = pack_path(folder, wanted)
    if path is None:
        raise _missing(folder, wanted, chosen_in_bank)
    return read_conduct_pack(path)
