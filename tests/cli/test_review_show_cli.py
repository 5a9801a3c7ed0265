"""`duecourse review show ID [--json]`: the reviewer's whole picture on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from models.db import open_engine
from tests.cli.conftest import Cli
from tests.tasks.test_review_picture import SECTIONS, _seed


def test_review_show_json_and_text_hold_the_sections(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    engine = open_engine(f"sqlite:///{home}/duecourse.sqlite")
    review_id = _seed(engine)
    engine.dispose()
    out = cli("review", "show", str(review_id), "--json")
    assert out.code == 0, out.err
    doc = json.loads(out.out)
    assert set(doc) >= SECTIONS and doc["status"] == "pending"
    assert doc["deadlines"]["under"]["due"] == "2026-11-03"
    assert len(doc["delivered_demands"]) == 3
    text = cli("review", "show", str(review_id))
    assert text.code == 0, text.err
    for words in ("balance 20,850.00", "delivered demands: 3", "XA100000001CN",
                  "po_acceptance due 2026-11-03", "payment order: available"):  # fmt: skip
        assert words in text.out, words
    if "limitation" in doc:  # tasks/limitation.py installed
        assert "limitation: running, from due_date 2026-09-18" in text.out
    assert "13812345678" not in text.out and "330106199001011234" not in text.out
