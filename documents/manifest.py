"""A template kind's manifest (`documents/templates/<kind>/manifest.yaml`), read and validated.

Layout of a kind's folder (other code relies on it):

    documents/templates/<kind>/
        manifest.yaml    kind, title, version, formats, number_prefix, fields, unmasked_id_fields,
                         record_fields, predue
        template.html    the PDF template (Jinja2, autoescaped HTML; may link CSS in this folder
                         or in templates/_shared/, nothing else is fetched)
        template.docx    the DOCX template (docxtpl, autoescaped)
        <part>.txt.j2    text kinds: one file per part listed in `parts` (e.g. subject, body)
        sample.json      sample data for `documents preview` and the template checks

Field types: str, text, decimal, int, bool, date, list, map, card (always masked when rendered),
id_number (masked unless the field is listed in `unmasked_id_fields`, for kinds where the law
needs the full number, e.g. a court filing).

`record_fields` are declared fields kept with the document's stored data but not printed (e.g. a
letter's `calendar_warning`): templates need not use them. `predue: true` marks a kind sent before
the due date: `documents check` refuses its templates if they state an overdue fact.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rules.enums import Party
from rules.errors import InputError


class Format(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    TEXT = "text"

    @property
    def extension(self) -> str:
        return {"pdf": "pdf", "docx": "docx", "text": "txt"}[self.value]


class FieldType(StrEnum):
    STR = "str"
    TEXT = "text"
    DECIMAL = "decimal"
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    LIST = "list"
    MAP = "map"
    CARD = "card"
    ID_NUMBER = "id_number"


TEMPLATE_FILES = {Format.PDF: "template.html", Format.DOCX: "template.docx"}
TEXT_SUFFIX = ".txt.j2"
SAMPLE_FILE = "sample.json"
MANIFEST_FILE = "manifest.yaml"


class Manifest(BaseModel):
    """What a kind is, which formats it renders to and which fields its templates use."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    version: int = Field(ge=1)
    formats: tuple[Format, ...] = Field(min_length=1)
    number_prefix: str | None = Field(default=None, pattern=r"^[A-Z]{1,6}$")
    fields: dict[str, FieldType]
    unmasked_id_fields: tuple[str, ...] = ()
    record_fields: tuple[str, ...] = ()
    predue: bool = False
    # What the contact channels and the conduct gate read (rules/conduct.py TemplateTraits):
    # `demand`: a contact with this kind that reaches the cardholder is a written demand for
    # payment (SPC bank-card rules 2021 Art. 3: it interrupts the limitation period);
    # `identifies_bank`: the text names the bank (CBA guideline: state the institution);
    # `reveals_debt`: it speaks of the debt (never to an emergency contact);
    # `asks_contact_details`: it only asks for the debtor's contact details (emergency contacts).
    demand: bool = False
    identifies_bank: bool = True
    reveals_debt: bool = True
    asks_contact_details: bool = False
    # whom the text is for: the debtor, or an emergency contact (only to ask for the debtor's
    # contact details; the dispatcher sends it to the emergency contact's number)
    audience: Party = Party.DEBTOR
    parts: tuple[str, ...] = ()
    description: str = ""
    folder: Path = Field(default=Path(), exclude=True)

    @field_validator("fields")
    @classmethod
    def _field_names(cls, value: dict[str, FieldType]) -> dict[str, FieldType]:
        for name in value:
            if not name.isidentifier():
                raise ValueError(f"field name {name!r} is not an identifier")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        for name in self.unmasked_id_fields:
            if self.fields.get(name) is not FieldType.ID_NUMBER:
                raise ValueError(f"unmasked_id_fields: {name!r} is not an id_number field")
        for name in self.record_fields:
            if name not in self.fields:
                raise ValueError(f"record_fields: {name!r} is not a declared field")
        if Format.TEXT in self.formats and not self.parts:
            raise ValueError("a text kind lists its parts (e.g. [subject, body])")
        if self.parts and Format.TEXT not in self.formats:
            raise ValueError("parts are for text kinds only")
        if self.audience is not Party.DEBTOR and (
            self.reveals_debt or self.demand or not self.asks_contact_details
        ):
            raise ValueError(
                "a text for an emergency contact only asks for contact details: "
                "reveals_debt: false, demand: false, asks_contact_details: true"
            )
        if self.demand and self.predue:
            raise ValueError("a pre-due kind is not a demand for payment (demand: false)")
        if self.number_prefix and "number" not in self.fields:
            raise ValueError("a numbered kind declares the field `number`")
        return self

    @property
    def numbered(self) -> bool:
        return self.number_prefix is not None

    def template_path(self, fmt: Format) -> Path:
        return self.folder / TEMPLATE_FILES[fmt]

    def part_path(self, part: str) -> Path:
        return self.folder / f"{part}{TEXT_SUFFIX}"

    @property
    def sample_path(self) -> Path:
        return self.folder / SAMPLE_FILE


def load_manifest(folder: Path) -> Manifest:
    """Read `<folder>/manifest.yaml`; a bad one raises InputError naming the file."""
    path = folder / MANIFEST_FILE
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read manifest: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: a manifest is a mapping")
    try:
        manifest = Manifest.model_validate({**raw, "folder": folder})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{path}: {where}: {first['msg']}") from None
    if manifest.kind != folder.name:
        raise InputError(f"{path}: kind {manifest.kind!r} differs from its folder {folder.name!r}")
    return manifest
