"""Alembic environment: runs on the engine handed over in `config.attributes["engine"]`."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import models  # noqa: F401  (registers the tables)
from models.db import database_url, make_engine

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our column types as their plain SQL types, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return (
            repr(obj.impl)
            .replace("DateTime(", "sa.DateTime(")
            .replace("BigInteger(", "sa.BigInteger(")
        )
    return False


engine = config.attributes.get("engine") or make_engine(database_url())
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
