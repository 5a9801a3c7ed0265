"""Filing packages: one folder and one ZIP per (case, kind, date) holding what a court filing needs.

    <home>/packages/<case>/<kind>-<date>/
        <doc kind>-<number>.pdf / .docx   the filing's documents, rendered and stored by the
                                          document store (tasks/documents.py: numbered, hashed)
        fees.json                         the fee computation (rules/fees.py, with its breakdown)
        filing.json                       the court by the jurisdiction table, the small-claims
                                          flag, the claim, the payment-order preconditions
        manifest.json                     every file above with its SHA-256 and size
    <home>/packages/<case>/<kind>-<date>.zip   the folder, byte-reproducible (fixed timestamps)

Kinds: a suit (民事起诉状 + 证据清单), a payment order (支付令申请书 + 证据清单; refused unless its
preconditions hold: rules/payment_order.py), enforcement (强制执行申请书), pre-suit preservation
(诉前财产保全申请书). Idempotent: asked again for the same case, kind and date, the stored package
is returned (its files checked against the manifest first; an altered file is refused, never
silently replaced). The folder is built beside its place and renamed into it, so a crash leaves
no half package under the final name.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from documents.manifest import Format
from rules.calendar import BusinessCalendar
from rules.enums import CaseStatus
from rules.errors import DuecourseError
from rules.fees import CourtFee, FeeKind, court_fee
from rules.jurisdiction import FilingKind, choose_court, small_claims
from rules.payment_order import check_preconditions, payment_order_fee, suit_top_up
from tasks.bank import Bank
from tasks.courts import load_courts, load_small_claims
from tasks.documents import render_documents
from tasks.legal_data import after_objection
from tasks.legal_next import case_legal_facts

DOCUMENTS: dict[FilingKind, tuple[str, ...]] = {
    FilingKind.SUIT: ("civil_complaint", "evidence_list"),
    FilingKind.PAYMENT_ORDER: ("payment_order_application", "evidence_list"),
    FilingKind.ENFORCEMENT: ("enforcement_application",),
    FilingKind.PRESERVATION: ("preservation_application",),
}
MANIFEST = "manifest.json"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass
class Package:
    case_id: int
    kind: FilingKind
    as_of: date
    folder: Path
    zip_path: Path
    zip_sha256: str
    files: list[dict[str, Any]] = field(default_factory=list)
    filing: dict[str, Any] = field(default_factory=dict)
    created: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "kind": self.kind.value,
            "as_of": self.as_of.isoformat(),
            "folder": str(self.folder),
            "zip": str(self.zip_path),
            "zip_sha256": self.zip_sha256,
            "created": self.created,
            "files": self.files,
            "court": self.filing.get("court"),
            "small_claims": self.filing.get("small_claims"),
            "fees": self.filing.get("fees"),
        }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def package_paths(home: Path, case_id: int, kind: FilingKind, as_of: date) -> tuple[Path, Path]:
    base = home / "packages" / str(case_id)
    name = f"{kind.value}-{as_of.isoformat()}"
    return base / name, base / f"{name}.zip"


def _fees(kind: FilingKind, claim: Any, after_payment_order: bool) -> dict[str, Any]:
    """The fee computation of the filing (诉讼费用交纳办法 Arts. 13-14): the fee the filing pays,
    and for a payment order the top-up should an objection turn it into a suit."""
    fees: dict[str, CourtFee]
    if kind is FilingKind.PAYMENT_ORDER:
        fees = {
            "payment_order": payment_order_fee(claim),
            "top_up_if_objection": suit_top_up(claim),
        }
    elif kind is FilingKind.SUIT:
        fees = {"lawsuit": court_fee(claim, FeeKind.LAWSUIT)}
        if after_payment_order:
            fees["top_up"] = suit_top_up(claim)
    elif kind is FilingKind.ENFORCEMENT:
        fees = {"enforcement": court_fee(claim, FeeKind.ENFORCEMENT)}
    else:
        fees = {"preservation": court_fee(claim, FeeKind.PRESERVATION)}
    return {name: fee.as_dict() for name, fee in fees.items()}


def _filing(
    session: Session, case_id: int, kind: FilingKind, as_of: date, policy_dir: Path
) -> dict[str, Any]:
    """What the package says besides its documents; refuses a closed case and a payment order
    whose preconditions fail (each failing one named)."""
    f = case_legal_facts(session, case_id)
    if f.case.status is CaseStatus.CLOSED:
        raise DuecourseError(f"case {case_id} is closed: nothing to file")
    pre = check_preconditions(f.facts)
    if kind is FilingKind.PAYMENT_ORDER and not pre.hold:
        failing = "; ".join(f"{c.condition.value} ({c.reason})" for c in pre.failing)
        raise DuecourseError(f"case {case_id}: a payment order is not available: {failing}")
    courts = load_courts(policy_dir)
    court = choose_court(
        courts.rows(), kind, province=f.customer.province, address=f.customer.address,
        agreed=courts.agreed(),
    )  # fmt: skip
    if court.court is None:
        raise DuecourseError(f"case {case_id}: {court.reason}")
    claim = f.account.balance
    after_po = after_objection(session, case_id)
    return {
        "case_id": case_id,
        "account_id": f.case.account_id,
        "kind": kind.value,
        "as_of": as_of.isoformat(),
        "claim": {
            "principal": str(f.account.principal),
            "interest": str(f.account.interest),
            "fees": str(f.account.fees),
            "total": str(claim),
            "as_of": f.account.last_as_of.isoformat(),
        },
        "court": court.as_dict(),
        "small_claims": small_claims(
            claim, f.customer.province, load_small_claims(policy_dir).table()
        ).as_dict(),
        "fees": _fees(kind, claim, after_po),
        "payment_order_preconditions": pre.as_dict(),
        "respondents": [f.customer.name],  # the debtor only: guarantors are not bound (Art. 434)
    }


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")  # fmt: skip


def _zip(folder: Path, target: Path) -> str:
    """The folder as a ZIP with fixed timestamps and sorted names (same files, same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.name}", date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    data = out.getvalue()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return hashlib.sha256(data).hexdigest()


def _stored(folder: Path, zip_path: Path) -> list[dict[str, Any]] | None:
    """The manifest's files when the package is already built and intact; None when not built;
    an altered or missing file is refused."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    files: list[dict[str, Any]] = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    for entry in files:
        path = folder / entry["name"]
        if not path.is_file() or sha256_file(path) != entry["sha256"]:
            raise DuecourseError(
                f"{path}: missing or altered since the package was built (manifest SHA-256 "
                f"{entry['sha256'][:12]}...); restore it, or move the package folder away"
            )
    return files


@dataclass(frozen=True)
class PackageRequest:
    case_id: int
    kind: FilingKind
    as_of: date
    prepared_by: str | None = None


def build_package(
    engine: Engine,
    req: PackageRequest,
    *,
    home: Path,
    documents_dir: Path,
    policy_dir: Path,
    bank: Bank,
    calendar: BusinessCalendar,
) -> Package:
    """Build (or return the stored) package of `req.kind` for a case on `req.as_of`."""
    folder, zip_path = package_paths(home, req.case_id, req.kind, req.as_of)
    files = _stored(folder, zip_path)
    if files is not None:
        digest = _zip(folder, zip_path)  # the same bytes again: reproducible
        stored = json.loads((folder / "filing.json").read_text(encoding="utf-8"))
        return Package(req.case_id, req.kind, req.as_of, folder, zip_path, digest, files,
                       stored, created=False)  # fmt: skip
    with Session(engine) as session:
        filing = _filing(session, req.case_id, req.kind, req.as_of, policy_dir)
    work = folder.with_name(f".{folder.name}.{os.getpid()}.building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    docs = []
    for kind in DOCUMENTS[req.kind]:
        rendered = render_documents(
            engine, documents_dir, bank, kind, [req.case_id], req.as_of,
            formats=[Format.PDF, Format.DOCX], calendar=calendar, policy_dir=policy_dir,
        )  # fmt: skip
        for doc in rendered.documents:
            name = f"{kind}-{doc.number}.{Format(doc.format).extension}"
            shutil.copyfile(documents_dir / doc.path, work / name)
            docs.append({"name": name, "kind": kind, "number": doc.number, "document_id": doc.id,
                         "format": doc.format})  # fmt: skip
    filing = {**filing, "documents": docs, "prepared_by": req.prepared_by}
    _write_json(work / "fees.json", filing["fees"])
    _write_json(work / "filing.json", filing)
    files = [
        {"name": p.name, "sha256": sha256_file(p), "size": p.stat().st_size}
        for p in sorted(work.iterdir())
    ]
    _write_json(work / MANIFEST, {"case_id": req.case_id, "kind": req.kind.value,
                                  "as_of": req.as_of.isoformat(), "files": files})  # fmt: skip
    if folder.exists():  # a half-built folder of a crashed run (no manifest): replaced
        shutil.rmtree(folder)
    os.replace(work, folder)
    digest = _zip(folder, zip_path)
    return Package(req.case_id, req.kind, req.as_of, folder, zip_path, digest, files, filing)
