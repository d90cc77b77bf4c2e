"""What a schema target means on each database, as an engine whose every session is bound to it.

- Oracle: ``ALTER SESSION SET CURRENT_SCHEMA`` on each new session, before SQLAlchemy reads the
  session's default schema (so reflection, the version table check included, looks there too), and a
  ``schema_translate_map`` that qualifies every table the tool and Alembic write (``alembic_version``,
  the history, journal and lock tables) with the schema; the revisions' own unqualified DDL lands
  there through CURRENT_SCHEMA.
- PostgreSQL: ``search_path`` set on each new session (committed: a rolled-back SET is undone), so
  unqualified names, ours and the revisions', resolve to the schema; the deploy lock names the schema.
- MariaDB/MySQL: the schema is the database.

Engines keep no idle sessions between targets: a fleet opens at most what its workers hold.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .targets import Target, bound_url


def session_statement(target: Target, dialect: sa.Dialect) -> str | None:
    """The statement each new session of ``target`` runs first (None when the URL says it all)."""
    if not target.schema:
        return None
    if target.backend == "oracle":
        schema = dialect.identifier_preparer.quote(schema_name(target, dialect))
        return f"ALTER SESSION SET CURRENT_SCHEMA = {schema}"
    if target.backend == "postgresql":
        return f"SET search_path TO {dialect.identifier_preparer.quote(target.schema)}"
    return None


def schema_name(target: Target, dialect: sa.Dialect) -> str:
    """The schema as SQLAlchemy names it (Oracle: ACME and acme are the same, case-insensitive, name)."""
    assert target.schema is not None
    if dialect.name == "oracle":
        return str(dialect.normalize_name(target.schema))
    return target.schema


def target_engine(target: Target) -> Engine:
    """An engine on ``target``, each session bound to its schema; the caller disposes it."""
    engine = sa.create_engine(bound_url(target))
    statement = session_statement(target, engine.dialect)
    if statement is not None:

        def bind_session(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(statement)
            finally:
                cursor.close()
            dbapi_connection.commit()

        # first: SQLAlchemy's own first-connect hook then reads the default schema of a bound session
        sa.event.listen(engine, "connect", bind_session, insert=True)
    if target.schema and target.backend == "oracle":
        return engine.execution_options(schema_translate_map={None: schema_name(target, engine.dialect)})
    return engine
