"""What the Schema page, ``/api/schema``, ``/healthz`` and ``runserver --production`` know about the schema.

``schema_state(app)`` returns plain JSON-ready data, built by one collector per section. Sections
that other parts of the project own (the applied-migration history table, lint findings of pending
revisions) join through ``register_section`` without changing this module.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic.script import Script, ScriptDirectory
from flask import Flask
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from oramigrate.errors import MigrationError
from oramigrate.revisions import applied, current_heads, in_order
from oramigrate.settings import mask_url

log = logging.getLogger("webapp")

# collector(connection, scripts, state so far) -> the section's JSON-ready value
Collector = Callable[[Connection, ScriptDirectory, dict[str, Any]], Any]
_SECTIONS: dict[str, Collector] = {}
# /healthz's one query, as plain text: compiled by nobody, run as is
_CURRENT_HEADS = sa.text("SELECT version_num FROM alembic_version")


class SchemaNotAtHead(MigrationError):
    """The database is behind (or beside) the migration heads; serving it would break pages."""


def register_section(name: str, collector: Collector) -> None:
    """Add a section (for example ``history`` or ``lint``) to every ``schema_state`` result."""
    _SECTIONS[name] = collector


def migration_scripts(app: Flask) -> ScriptDirectory:
    """The application's migration scripts; parsed once per process outside debug mode."""
    cached: ScriptDirectory | None = app.extensions.get("schema_scripts")
    if cached is not None:
        return cached
    scripts = ScriptDirectory(app.extensions["migrate"].directory)
    # a debug server picks up a new `db migrate` revision without a restart; production reads once
    if not app.debug:
        app.extensions["schema_scripts"] = scripts
    return scripts


def _describe(script: Script) -> dict[str, Any]:
    return {
        "revision": script.revision,
        "down_revision": script.down_revision,
        "message": script.doc,
    }


def _server_version(connection: Connection) -> str | None:
    if connection.dialect.name == "sqlite":
        return sqlite3.sqlite_version
    info = connection.dialect.server_version_info
    return ".".join(str(part) for part in info) if info else None


def _current_and_heads(connection: Connection, scripts: ScriptDirectory) -> tuple[list[str], list[str]]:
    return sorted(current_heads(connection)), sorted(scripts.get_heads())


def _probe_current(connection: Connection) -> list[str]:
    # /healthz is probed every few seconds: one plain SELECT of the version table; only when that
    # fails (no table yet) the full look through Alembic, which reflects the table first
    try:
        return sorted(connection.execute(_CURRENT_HEADS).scalars())
    except SQLAlchemyError:
        connection.rollback()
        return sorted(current_heads(connection))


def _revisions(connection: Connection, scripts: ScriptDirectory) -> dict[str, Any]:
    current, heads = _current_and_heads(connection, scripts)
    applied_ids = {script.revision for script in applied(scripts, current)}
    chain = in_order(scripts)  # oldest first: people read history in the order it applies
    return {
        "current": current,
        "heads": heads,
        "at_head": current == heads,
        "pending": [_describe(s) for s in chain if s.revision not in applied_ids],
        "applied": [_describe(s) for s in chain if s.revision in applied_ids],
    }


def schema_state(app: Flask) -> dict[str, Any]:
    """The database (masked URL, dialect, version) and its revisions against the scripts' heads."""
    scripts = migration_scripts(app)
    engine = app.extensions["migrate"].db.engine
    url = engine.url
    state: dict[str, Any] = {
        "database": {"url": mask_url(url), "dialect": url.get_dialect().name, "server_version": None},
    }
    with engine.connect() as connection:
        state["database"]["server_version"] = _server_version(connection)
        state.update(_revisions(connection, scripts))
        for name, collector in _SECTIONS.items():
            state[name] = collector(connection, scripts, state)
    return state


def _heads(app: Flask) -> list[str]:
    # the scripts' heads, read once per process outside debug mode (as the scripts themselves)
    cached: list[str] | None = app.extensions.get("schema_heads")
    if cached is None:
        cached = sorted(migration_scripts(app).get_heads())
        if not app.debug:
            app.extensions["schema_heads"] = cached
    return cached


def health(app: Flask) -> tuple[dict[str, Any], bool]:
    """A short public report (no URL, no error text) and whether the service is healthy."""
    # probed every few seconds: one query for the current heads, none of the Schema page's sections
    heads = _heads(app)
    try:
        with app.extensions["migrate"].db.engine.connect() as connection:
            current = _probe_current(connection)
    except SQLAlchemyError as exc:
        # the detail may name hosts or users: it goes to the log, never to an anonymous caller
        log.warning("health check: database unavailable: %s", str(exc).splitlines()[0])
        return {"status": "unavailable", "database": "unreachable", "schema": "unknown"}, False
    at_head = current == heads
    report = {
        "status": "ok" if at_head else "unavailable",
        "database": "ok",
        "schema": "at head" if at_head else "not at head",
        "current": current,
        "heads": heads,
    }
    return report, at_head


def require_head(app: Flask) -> None:
    """Raise SchemaNotAtHead unless the database is at the scripts' heads."""
    with app.app_context():
        state = schema_state(app)
    if not state["at_head"]:
        current = ", ".join(state["current"]) or "base (empty)"
        raise SchemaNotAtHead(
            f"the database ({state['database']['url']}) is at {current}, not at head "
            f"{', '.join(state['heads'])}: run `python manage.py db upgrade` first "
            "(or pass --allow-not-at-head)"
        )
