"""Loading the panel of law firms: `<policy>/law_firms.yaml`, else the shipped one, else an empty
panel. Read by the one YAML loader, so a bad file is `file:line: message` (YamlFileError, exit
2); `duecourse policy check` reports its problems with the rest of the policy."""

from __future__ import annotations

from pathlib import Path

from rules.law_firms import LawFirmPanel
from tasks.policy_dir import SHIPPED_POLICY_DIR, resolve_policy_dir
from tasks.yaml_file import LocatedProblem, YamlFileError, YamlRefusedError, load_model

LAW_FIRMS_FILE = "law_firms.yaml"


def law_firms_file(policy_dir: Path | None = None) -> Path | None:
    """The law_firms.yaml in use: the policy folder's (of a single policy file), else shipped."""
    source = (policy_dir or resolve_policy_dir()).resolve()
    folder = source if source.is_dir() else source.parent
    for candidate in (folder / LAW_FIRMS_FILE, SHIPPED_POLICY_DIR / LAW_FIRMS_FILE):
        if candidate.is_file():
            return candidate
    return None


def load_panel(policy_dir: Path | None = None) -> LawFirmPanel:
    """The panel in use (see the module's doc)."""
    path = law_firms_file(policy_dir)
    return LawFirmPanel() if path is None else load_model(path, LawFirmPanel)


def panel_problems(source: Path) -> list[LocatedProblem]:
    """The problems of the law_firms.yaml in use, for `policy check`."""
    try:
        load_panel(source)
    except YamlRefusedError:
        raise
    except YamlFileError as exc:
        return exc.problems
    return []
