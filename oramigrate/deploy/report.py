"""``db log``, ``db verify`` and ``db status``: what the history and the journal say (read-only)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import sqlalchemy as sa
from alembic.config import Config

from ..configuration import engine_of, scripts_of
from ..errors import MigrationError
from ..revisions import applied, current_heads, pending
from . import history, journal
from . import tables as deploy_tables
from .blockers import activity
from .checksums import Findings, verify
from .deployment import names_of
from .lock import MigrationLock, read_holder_on


class VerifyFailed(MigrationError):
    """``db verify`` found edited, missing or unknown revisions."""

    def __init__(self, findings: Findings) -> None:
        super().__init__(findings.summary())
        self.findings = findings


def has_history(connection: sa.Connection, names: deploy_tables.DeployTables) -> bool:
    """Whether the tool's tables exist (none before the first locked run), and are the tool's."""
    return deploy_tables.check_own(connection, names)


def log(config: Config) -> list[dict[str, Any]]:
    """Every history row, oldest first (none before the first locked run)."""
    names = names_of(config)
    with engine_of(config).connect() as connection:
        return history.rows(connection, names) if has_history(connection, names) else []


LOG_COLUMNS = ("id", "started (UTC)", "revision", "direction", "outcome", "ms", "by", "db user", "sha256")


def log_table(rows: list[dict[str, Any]]) -> list[str]:
    """The history rows as a table with headers, for people (``-`` where nothing is known)."""
    if not rows:
        return ["no migration history yet (written by the first db upgrade, downgrade or stamp)"]
    cells = [
        [
            str(row["id"]),
            f"{row['started']:%Y-%m-%d %H:%M:%S}",
            row["revision"] or "-",
            row["direction"],
            row["outcome"],
            "-" if row["duration_ms"] is None else str(row["duration_ms"]),
            f"{row['os_user']}@{row['host']} pid {row['pid']}",
            row["db_user"] or "-",
            (row["checksum"] or "-")[:12],
            "; ".join(f"{key}: {row[key]}" for key in ("error", "note") if row[key]),
        ]
        for row in rows
    ]
    header = [*LOG_COLUMNS, "note"]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [header, *cells]
    ]


def lines_json(lines: list[str]) -> str:
    """A report's lines as a JSON object (``{"lines": [...]}``)."""
    return json.dumps({"lines": lines}, indent=2)


def log_json(rows: list[dict[str, Any]]) -> str:
    """The history rows as a JSON array (times in ISO 8601, UTC)."""

    def encode(value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return value.isoformat() + "Z"
        raise TypeError(type(value).__name__)

    return json.dumps(rows, default=encode, indent=2)


def verify_files(config: Config) -> list[str]:
    """The applied revisions checked against the files: raises VerifyFailed if any differ."""
    scripts = scripts_of(config)
    names = names_of(config)
    with engine_of(config).connect() as connection:
        heads = current_heads(connection, names.version_table)
        if not has_history(connection, names):
            findings = Findings(unknown=[script.revision for script in applied(scripts, heads)])
        else:
            findings = verify(connection, names, scripts, heads)
    if findings:
        raise VerifyFailed(findings)
    return [f"{len(applied(scripts, heads))} applied revisions match their files"]


def status(config: Config) -> list[str]:
    """Where the database is, what is pending, who holds the lock now, and any half-applied revision."""
    scripts = scripts_of(config)
    names = names_of(config)
    engine = engine_of(config)
    with engine.connect() as connection:
        heads = current_heads(connection, names.version_table)
        tables = has_history(connection, names)
        half = journal.progress(connection, names) if tables else []
        running = history.running(connection, names) if tables else []
        holding = read_holder_on(connection, names) if tables else None
        held = MigrationLock(engine, names).held_now() if tables else False
        doing = activity(connection, holding.session) if held and holding and holding.session else None
    file_heads = set(scripts.get_heads())
    if not heads:
        current = "current: none"
    else:
        current = "current: " + ", ".join(f"{h} (head)" if h in file_heads else h for h in heads)
    waiting = [script.revision for script in pending(scripts, heads)]
    lines = [
        current,
        f"pending: {len(waiting)} revisions" + (f" ({', '.join(waiting)})" if waiting else ""),
    ]
    if held and holding is not None:
        revisions = f", running {', '.join(f'{r} ({d})' for r, d in running)}" if running else ""
        lines.append(f"lock: held by {holding}{revisions}")
        if doing is not None:
            lines.append(f"migration {doing}")
    else:
        lines.append("lock: held by another runner" if held else "lock: free")
    done = {script.revision for script in applied(scripts, heads)}
    # progress only for what is still half-way: never for a revision already where its journal leads
    half = [p for p in half if (p.revision in done) != (p.direction == "upgrade")]
    for p in half:
        if p.started is not None:
            lines.append(
                f"{p}; the next `db upgrade` decides it from the catalog or names the command to run"
            )
        else:
            lines.append(f"{p}; the next `db upgrade` resumes at operation {p.done + 1}")
    return lines
