"""A scratch schema on a PostgreSQL server for one benchmark run, and its removal: the one helper
the benchmark scripts share (they are run as scripts, so they import it by its file name)."""

from __future__ import annotations

import uuid


def pg_schema(base: str) -> tuple[str, str]:
    """(schema, URL whose search_path is that new, empty schema)."""
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    eng = sa.create_engine(base)
    with eng.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    eng.dispose()
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options=-csearch_path%3D{schema}"


def drop_schema(base: str, schema: str) -> None:
    import sqlalchemy as sa

    eng = sa.create_engine(base)
    with eng.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    eng.dispose()
