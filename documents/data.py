"""A document's data: checked and coerced against its manifest, masked, and made JSON-safe.

`prepare` turns what a data builder (or a sample.json, or a stored document's JSON) hands in into
the exact context the templates see; `to_jsonable` is what the store keeps, and preparing that
again gives the same context, so a stored document can be re-rendered byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from documents.manifest import FieldType, Manifest
from rules.amounts import quantize_fen, to_decimal
from rules.errors import InputError
from rules.masking import mask_card, mask_id_number


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("expected an integer")
    return int(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an ISO date")
    return date.fromisoformat(value)


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise ValueError("expected a list")
    return list(value)


def _map(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping")
    return value


# How each declared field type is checked and converted (ValueError: the value does not fit).
_COERCE: dict[FieldType, Callable[[Any], Any]] = {
    FieldType.STR: _text,
    FieldType.TEXT: _text,
    FieldType.DECIMAL: quantize_fen,
    FieldType.INT: _int,
    FieldType.BOOL: _bool,
    FieldType.DATE: _date,
    FieldType.LIST: _list,
    FieldType.MAP: _map,
    FieldType.CARD: lambda value: mask_card(str(value)),
}


def _coerce(manifest: Manifest, name: str, kind: FieldType, value: Any) -> Any:
    if kind is FieldType.ID_NUMBER:
        text = str(value)
        return text if name in manifest.unmasked_id_fields else mask_id_number(text)
    convert = _COERCE.get(kind)
    if convert is None:  # pragma: no cover - every FieldType is in the table
        raise ValueError(f"unknown field type {kind}")
    return convert(value)


def prepare(manifest: Manifest, data: dict[str, Any]) -> dict[str, Any]:
    """The template context: every declared field present, typed, card and ID numbers masked.

    A missing, undeclared or ill-typed field raises InputError naming the kind and the field.
    """
    missing = sorted(set(manifest.fields) - set(data))
    if missing:
        raise InputError(f"{manifest.kind}: missing field(s): {', '.join(missing)}")
    extra = sorted(set(data) - set(manifest.fields))
    if extra:
        raise InputError(f"{manifest.kind}: undeclared field(s): {', '.join(extra)}")
    context: dict[str, Any] = {}
    for name, kind in manifest.fields.items():
        try:
            context[name] = _coerce(manifest, name, kind, data[name])
        except (ValueError, TypeError) as exc:
            raise InputError(f"{manifest.kind}: field {name!r} ({kind.value}): {exc}") from None
    return context


def to_jsonable(value: Any) -> Any:
    """Dates as ISO strings, Decimals as plain strings, recursively: what the store keeps."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


__all__ = ["prepare", "to_decimal", "to_jsonable"]
