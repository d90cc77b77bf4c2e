"""``db log``, ``db verify`` and ``db status``: what the history and the journal say (read-only)."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from alembic.config import Config

from ..configuration import engine_of, scripts_of
from ..errors import MigrationError
from ..revisions import applied, current_heads, find, pending
from . import history, journal
from . import tables as deploy_tables
from .blockers import Activity, activity
from .checksums import Findings, verify
from .deployment import names_of
from .holder import live_elsewhere
from .journal import Progress
from .lock import Holder, MigrationLock, read_holder_on


class VerifyFailed(MigrationError):
    """``db verify`` found edited, missing or unknown revisions."""

    def __init__(self, findings: Findings) -> None:
        super().__init__(findings.summary())
        self.findings = findings


class HalfAppliedFound(MigrationError):
    """``db verify``: the files match, but a revision is half-applied (the schema is not where the version
    table says)."""


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
    return json.dumps(log_data(rows), indent=2)


def log_data(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history rows ready for JSON: times in ISO 8601, UTC."""
    return [
        {key: _iso(value) if isinstance(value, datetime.datetime) else value for key, value in row.items()}
        for row in rows
    ]


def verify_files(config: Config) -> list[str]:
    """The applied revisions checked against the files: raises VerifyFailed if any differ, HalfAppliedFound
    if they match but a revision no runner is working on is half-applied."""
    scripts = scripts_of(config)
    names = names_of(config)
    engine = engine_of(config)
    half: list[Progress] = []
    with engine.connect() as connection:
        heads = current_heads(connection, names.version_table)
        if not has_history(connection, names):
            findings = Findings(unknown=[script.revision for script in applied(scripts, heads)])
        else:
            findings = verify(connection, names, scripts, heads)
            # a live runner's revision is in progress, not half-applied
            # (an offline script's history comes without the journal table: nothing half-applied then)
            journaled = sa.inspect(connection).has_table(names.journal.name)
            if journaled and not MigrationLock(engine, names).held_now():
                half = half_applied(journal.progress(connection, names), scripts, heads)
    if findings:
        raise VerifyFailed(findings)
    if half:
        raise HalfAppliedFound("; ".join(f"half-applied: {p}{_way_on(p)}" for p in half))
    return [f"{len(applied(scripts, heads))} applied revisions match their files"]


@dataclass(frozen=True)
class Status:
    """What ``db status`` says: where the database is, what is pending, who holds the lock and what its
    migration session runs, and how far any half-applied revision got (the journal)."""

    current: list[str]
    heads: list[str]
    pending: list[str]
    held: bool | None  # None: the server could not say
    holder: Holder | None
    running: list[tuple[str, str]]
    migration: Activity | None
    journal: list[Progress]
    # rows left 'running' while no runner holds the lock: their runner was killed (the next run closes them)
    abandoned: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The status for people, one fact a line."""
        heads = set(self.heads)
        current = ", ".join(f"{h} (head)" if h in heads else h for h in self.current) or "none"
        waiting = f" ({', '.join(self.pending)})" if self.pending else ""
        lines = [f"current: {current}", f"pending: {len(self.pending)} revisions{waiting}"]
        if self.held and self.holder is not None:
            revisions = ", ".join(f"{r} ({d})" for r, d in self.running)
            lines.append(f"lock: held by {self.holder}" + (f", running {revisions}" if revisions else ""))
            if self.migration is not None:
                lines.append(f"migration {self.migration}")
        else:
            lines.append("lock: held by another runner" if self.held else "lock: free")
        for revision, direction in self.abandoned:
            lines.append(
                f"history: revision {revision} ({direction}) is recorded as running, but no runner holds"
                " the lock: its runner stopped before finishing (the next locked run closes the row)"
            )
        for p in self.journal:
            if self._running(p):  # a live runner's revision: in progress, not half-applied
                total = "?" if p.total is None else p.total
                lines.append(
                    f"revision {p.revision}: {p.done} of {total} operations applied ({p.direction}), running"
                )
            else:
                lines.append(f"{p}{_way_on(p)}")
        return lines

    def _running(self, progress: Progress) -> bool:
        return bool(self.held) and (progress.revision, progress.direction) in self.running

    def to_dict(self) -> dict[str, Any]:
        """The same facts for tools (``db status --json``): every field the lines show, none of the prose."""
        holder = self.holder if self.held else None
        migration = self.migration
        return {
            "current": self.current,
            "heads": self.heads,
            "pending": self.pending,
            "lock": {
                "held": self.held,
                "holder": None if holder is None or holder.pid is None else {
                    "host": holder.host, "pid": holder.pid, "os_user": holder.os_user,
                    "since": _iso(holder.since), "session": holder.session,
                },
                "running": [{"revision": r, "direction": d} for r, d in self.running],
            },
            "abandoned": [{"revision": r, "direction": d} for r, d in self.abandoned],
            "migration": None if migration is None else {
                "session": migration.session, "state": migration.state, "statement": migration.statement,
                "seconds": round(migration.seconds, 1), "waiting_for": migration.waiting_for,
            },
            "journal": [
                {
                    "revision": p.revision, "direction": p.direction, "done": p.done, "total": p.total,
                    "last": p.last,
                    "started": None if p.started is None else {
                        "operation": p.started.index, "statement": p.started.statement,
                    },
                    # writes its code sent past its operations, committed: not resumed over them
                    "outside": [row.statement for row in journal.in_sent_order(p.outside)],
                    "running": self._running(p),
                }
                for p in self.journal
            ],
        }  # fmt: skip


def half_applied(found: list[Progress], scripts: Any, heads: Any) -> list[Progress]:
    """Progress only for what is still half-way: never for a revision already where its journal leads
    (finished by hand and stamped by another tool, before a run of ours tidies the journal)."""
    done = {script.revision for script in applied(scripts, heads)}
    return [
        replace(p, file_gone=find(scripts, p.revision) is None)
        for p in found
        if journal.half_way(p.revision, p.direction, done)
    ]


def _way_on(p: Progress) -> str:
    """What finishes a half-applied revision, said after its progress (``db status``, ``db verify``)."""
    if p.file_gone:
        return (
            f"; no revision file defines {p.revision} any more, so nothing resumes it: restore the file, or"
            f" undo its applied operations by hand and run `db journal clear {p.revision}`"
        )
    if p.outside:
        return f": {journal.outside_way_out(p.revision, p.direction)}"
    if p.started is not None:
        return f"; the next `db {p.direction}` decides it from the catalog or names the command to run"
    return f"; the next `db {p.direction}` resumes at operation {p.done + 1}"


def _iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat() + "Z"


def status(config: Config) -> Status:
    """Where the database is, what is pending, who holds the lock now, and any half-applied revision."""
    scripts = scripts_of(config)
    names = names_of(config)
    engine = engine_of(config)
    with engine.connect() as connection:
        heads = current_heads(connection, names.version_table)
        tables = has_history(connection, names)
        holding = read_holder_on(connection, names) if tables else None
        # rows open before the lock was seen free are a dead runner's (one starting now opens its own after)
        open_before = history.open_rows(connection, names) if tables else []
        held = MigrationLock(engine, names).held_now() if tables else False
        doing = activity(connection, holding.session) if held and holding and holding.session else None
        # a chain with another version table shares the history, not the lock: its live runners' rows
        live = live_elsewhere(connection, names) if held is False and open_before else set()
        # read after the session list, in a transaction begun since: a runner commits a revision's
        # 'running' row (and its journal rows) before the statement seen there
        if connection.in_transaction():
            connection.rollback()
        half = journal.progress(connection, names) if tables else []
        running = history.running(connection, names) if tables else []
    half = half_applied(half, scripts, heads)
    return Status(
        current=list(heads),
        heads=sorted(scripts.get_heads()),
        pending=[script.revision for script in pending(scripts, heads)],
        held=held,
        holder=holding,
        running=running if held else [],
        abandoned=[
            (revision, direction)
            for revision, direction, host, pid in open_before
            if (host, pid) not in live and (revision, direction) in running
        ]
        if held is False
        else [],
        migration=doing,
        journal=half,
    )
