"""Make a pip-compile lock installable with --require-hashes when it pins a package with extras.

pip's hash-checking mode asks for an `==` pin of every requirement it meets; when the lock pins
`sqlalchemy[asyncio]==2.0.58` and another package requires plain `SQLAlchemy>=2.0`, pip sees no
pin for the plain name and refuses. This adds, for each `name[extras]==version` block, the same
block without the extras (same version, same hashes). Run after pip-compile:
    python3 scripts/lock_extras.py requirements.lock requirements-dev.lock
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_HEAD = re.compile(r"^([A-Za-z0-9_.-]+)\[[^\]]+\](==\S+)")


def blocks(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    for line in text.splitlines():
        if (line and not line[0].isspace()) or not out:
            out.append([line])
        else:
            out[-1].append(line)
    return out


def with_plain_pins(text: str) -> str:
    result: list[str] = []
    names = {b[0].split("==")[0].lower() for b in blocks(text) if "==" in b[0]}
    for block in blocks(text):
        result += block
        m = _HEAD.match(block[0])
        if m and m.group(1).lower() not in names:
            plain = [block[0].replace(block[0][: m.end()], m.group(1) + m.group(2), 1)]
            hashes = [line for line in block[1:] if "--hash=" in line]
            if hashes:
                hashes[-1] = hashes[-1].rstrip(" \\")
            result += plain + hashes + ["    # (the same pin without extras, for --require-hashes)"]
    return "\n".join(result) + "\n"


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        path.write_text(with_plain_pins(path.read_text(encoding="utf-8")), encoding="utf-8")
