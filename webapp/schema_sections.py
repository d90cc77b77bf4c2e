"""What the Schema page adds from the deploy-safety and lint parts: the history and pending findings."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from .schema_state import register_section

HISTORY_ROWS_SHOWN = 50


def history_section(
    connection: Connection, scripts: ScriptDirectory, state: dict[str, Any]
) -> list[dict[str, Any]]:
    """The newest history rows (revision, direction, outcome, when, how long, error), newest first."""
    from flask import current_app

    from oramigrate.deploy.tables import build

    table = build(current_app.extensions["oramigrate"].history_table).history
    if not sa.inspect(connection).has_table(table.name):
        return []
    query = sa.select(table).order_by(table.c.id.desc()).limit(HISTORY_ROWS_SHOWN)
    return [
        {
            "revision": row.revision,
            "direction": row.direction,
            "outcome": row.outcome,
            "started": row.started.isoformat(sep=" ", timespec="seconds") if row.started else None,
            "duration_ms": row.duration_ms,
            "by": f"{row.os_user}@{row.host}",
            "error": row.error,
            "note": row.note,
        }
        for row in connection.execute(query)
    ]


def lint_section(
    connection: Connection, scripts: ScriptDirectory, state: dict[str, Any]
) -> list[dict[str, Any]]:
    """Lint findings of the pending revisions, judged as ``db upgrade`` will judge them."""
    from flask import current_app

    from oramigrate.deploy.gate import gate_target
    from oramigrate.lint import lint_revisions

    pending = [entry["revision"] for entry in state.get("pending", [])]
    if not pending:
        return []
    report = lint_revisions(scripts, pending, gate_target(current_app.extensions["oramigrate"]))
    return [
        {
            "revision": finding.revision,
            "code": finding.code,
            "severity": finding.severity,
            "message": finding.message,
            "acknowledged": finding.acknowledged,
        }
        for finding in report.findings
    ]


def init_app() -> None:
    """Register both sections with ``schema_state``."""
    register_section("history", history_section)
    register_section("lint", lint_section)
