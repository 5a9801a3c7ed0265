"""The demo's contact day, through the real flows and tasks: a small book simulated for a few
days ends with contacts through several channels with proof, a collector's queue, letters
posted and delivered, and milestones met by recorded contacts (issue 17's "tried as a user")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.cli.conftest import Cli

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_short_demo_records_contacts_with_proof_and_meets_milestones(
    cli: Cli, tmp_path: Path
) -> None:
    home = tmp_path / "demo"
    out = cli("demo", "--cases", "60", "--days", "5", "--start", "2026-11-16", home_dir=home)
    assert out.code == 0, out.err
    assert "contacts over the run:" in out.out
    assert "dispatch:sms:sent" in out.out and "mail:posted" in out.out
    assert "dispatch✉" not in out.out  # the ':email:' of a count is not an emoji
    cases = json.loads(cli("cases", "--json", "--limit", "500", home_dir=home).out)["cases"]
    channels: set[str] = set()
    proofs = 0
    for item in cases:
        file = json.loads(cli("case", str(item["id"]), "--json", home_dir=home).out)
        for contact in file["contacts"]:
            channels.add(contact["channel"])
            proofs += bool(contact["proof"])
            assert "*" in contact["to"] or contact["to"] == ""  # masked
    assert {"sms", "call", "mail"} <= channels
    assert proofs > 0
    queue = json.loads(cli("queue", "--as", "demo.liqiang", "--json", home_dir=home).out)
    assert queue["user"] == "demo.liqiang" and "items" in queue
    engine = sa.create_engine(f"sqlite:///{home / 'duecourse.sqlite'}")
    with engine.connect() as conn:
        met = dict(
            conn.execute(
                sa.text(
                    "SELECT kind, count(*) FROM milestone WHERE status = 'met' "
                    "AND kind IN ('first_contact', 'formal_demand_sent') GROUP BY kind"
                )
            ).all()
        )
        demands = conn.execute(sa.text("SELECT count(*) FROM contact WHERE demand")).scalar()
    engine.dispose()
    assert met.get("first_contact", 0) > 0  # calls logged as answered met it
    assert met.get("formal_demand_sent", 0) > 0  # letters posted met it
    assert demands and demands > 0
    mail = sorted((home / "mail").glob("2026-*/collection_letter-*.pdf"))
    assert mail, "a mail batch was printed"
    assert (home / "mail" / "post-office").is_dir()
