"""The tool's own tables: the history of revisions run, the per-operation journal, the lock holder.

Types are the ones every target accepts, Oracle 11.2 included: VARCHAR2 of at most 1000
characters (4000 bytes even in AL32UTF8), NUMBER, DATE; no BOOLEAN, no IDENTITY, no sequence: the history
key is the largest one plus one, safe because every write happens under the migration lock (and
no SERIAL, AUTO_INCREMENT or sequence of ours shows up in the application's schema comparisons).

The lock table is named after the *version* table, not the history table: runners that keep
different histories still share ``alembic_version``, so they must share the lock (and its holder row).
Columns added by later versions of the tool are added to existing tables by ``create_missing``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..configuration import DEFAULT_HISTORY_TABLE
from ..errors import ConfigurationError

TEXT_LENGTH = 1000
DEFAULT_VERSION_TABLE = "alembic_version"
ORACLE_NAME_BYTES = 30  # the limit before 12.2: our names fit it everywhere


@dataclass(frozen=True)
class DeployTables:
    """The three tables under the configured names (history and journal per history table, the lock
    per version table)."""

    metadata: sa.MetaData
    history: sa.Table
    journal: sa.Table
    lock: sa.Table
    version_table: str = DEFAULT_VERSION_TABLE

    def names(self) -> set[str]:
        """Every table name the tool owns (kept out of autogenerate and baseline)."""
        return {self.history.name, self.journal.name, self.lock.name, legacy_lock_name(self.history.name)}


def lock_table_name(version_table: str) -> str:
    """``<version table>_lock``, hashed down to 30 bytes when the version table's name is long."""
    name = f"{version_table}_lock"
    if len(name.encode()) <= ORACLE_NAME_BYTES:
        return name
    return "lock_" + hashlib.sha256(version_table.encode()).hexdigest()[:20]


# every name lock_table_name gives, either form
_LOCK_TABLE_NAME = re.compile(r".+_lock|lock_[0-9a-f]{20}")


def is_lock_table_name(name: str) -> bool:
    """Whether ``name`` has the shape ``lock_table_name`` gives (another version table's lock, maybe)."""
    return _LOCK_TABLE_NAME.fullmatch(name.lower()) is not None


def legacy_lock_name(history_table: str) -> str:
    """Where earlier versions kept the holder row (keyed, wrongly, on the history table)."""
    return f"{history_table}_lock"


def build(name: str, version_table: str = DEFAULT_VERSION_TABLE) -> DeployTables:
    """Table definitions for history table ``name``, its journal, and the lock of ``version_table``."""
    taken = {
        version_table.lower(): "the version table",
        lock_table_name(version_table).lower(): "the lock table",
    }
    for table in (name, f"{name}_journal"):
        if table.lower() in taken:
            raise ConfigurationError(
                f"MIGRATION_HISTORY_TABLE={name} would put the history in {taken[table.lower()]} {table}:"
                " choose another name"
            )
    metadata = sa.MetaData()
    history = sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("revision", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("checksum", sa.String(64)),
        sa.Column("db_user", sa.String(128)),
        sa.Column("os_user", sa.String(128)),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("started", sa.DateTime, nullable=False),
        sa.Column("finished", sa.DateTime),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.String(TEXT_LENGTH)),
        sa.Column("note", sa.String(TEXT_LENGTH)),
    )
    journal = sa.Table(
        f"{name}_journal",
        metadata,
        sa.Column("revision", sa.String(64), primary_key=True),
        sa.Column("direction", sa.String(16), primary_key=True),
        sa.Column("op_index", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("op_total", sa.Integer),
        sa.Column("description", sa.String(TEXT_LENGTH), nullable=False),
        sa.Column("applied", sa.DateTime, nullable=False),
        # 'started' is committed before a statement that commits on its own, 'done' after it
        sa.Column("state", sa.String(16)),
        # the history row of the attempt that wrote (or last resumed) this journal
        sa.Column("attempt", sa.Integer),
    )
    lock = sa.Table(
        lock_table_name(version_table),
        metadata,
        # row MUTEX_ROW is what Oracle sessions lock; row HOLDER_ROW says who holds the lock
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("os_user", sa.String(128)),
        sa.Column("since", sa.DateTime),
        # the holder's migration session on the server (a statement of it may outlive the holder)
        sa.Column("server_session", sa.String(64)),
        # random per holder: a holder that lost the lock cannot overwrite its successor's row
        sa.Column("token", sa.String(32)),
    )
    return DeployTables(metadata, history, journal, lock, version_table)


MUTEX_ROW = 1
HOLDER_ROW = 2


# columns every version of the tool gave its tables: a table of that name without them is not ours
OWN_COLUMNS = {
    "history": ("revision", "direction", "started", "outcome"),
    "journal": ("revision", "direction", "op_index", "description"),
    "lock": ("id", "host", "pid"),
}


def check_own(connection: Connection, deploy_tables: DeployTables) -> bool:
    """Whether the history table exists; ConfigurationError if a table under one of our names is not ours.

    ``MIGRATION_HISTORY_TABLE=auth_user`` must not write history rows into (or add columns to) the
    application's own table: refused before anything is written.
    """
    return deploy_tables.history in _existing_columns(connection, deploy_tables)


def _roles(deploy_tables: DeployTables) -> tuple[tuple[str, sa.Table], ...]:
    return (
        ("history", deploy_tables.history),
        ("journal", deploy_tables.journal),
        ("lock", deploy_tables.lock),
    )


def _existing_columns(connection: Connection, deploy_tables: DeployTables) -> dict[sa.Table, set[str]]:
    # the tool's tables that exist, with their columns: one catalog read for the names, one per table
    # found (reflection is the slowest thing a run does before its first revision); a table under
    # one of our names that is not ours is refused
    inspector = sa.inspect(connection)
    names = {name.lower() for name in inspector.get_table_names()}
    found: dict[sa.Table, set[str]] = {}
    for role, table in _roles(deploy_tables):
        if table.name.lower() not in names:
            continue
        present = {column["name"].lower() for column in inspector.get_columns(table.name)}
        missing = [column for column in OWN_COLUMNS[role] if column not in present]
        if missing:
            setting = "the version table" if role == "lock" else "MIGRATION_HISTORY_TABLE"
            raise ConfigurationError(
                f"table {table.name} exists but is not a migration {role} table (no column"
                f" {', '.join(missing)}): choose another name for {setting}; nothing was written"
            )
        found[table] = present
    return found


def create_missing(connection: Connection, deploy_tables: DeployTables) -> None:
    """Create whichever of the tool's tables are missing (and columns added since), and the lock rows."""
    existing = _existing_columns(connection, deploy_tables)
    missing = [table for _role, table in _roles(deploy_tables) if table not in existing]
    if missing:
        deploy_tables.metadata.create_all(connection, tables=missing, checkfirst=False)
    # tables made by an earlier version of the tool: add the (nullable) columns it did not have
    preparer = connection.dialect.identifier_preparer
    for table in (deploy_tables.journal, deploy_tables.lock):
        for column in table.columns:
            if table in existing and column.name not in existing[table]:
                kind = column.type.compile(dialect=connection.dialect)
                connection.exec_driver_sql(
                    f"ALTER TABLE {preparer.quote(table.name)} ADD {preparer.quote(column.name)} {kind}"
                )
    rows = {row[0] for row in connection.execute(sa.select(deploy_tables.lock.c.id))}
    for row_id in (MUTEX_ROW, HOLDER_ROW):
        if row_id not in rows:
            connection.execute(deploy_tables.lock.insert().values(id=row_id))
    connection.commit()


def exclude_own_objects(
    user_filter: Callable[..., bool] | None,
    history_table: str = DEFAULT_HISTORY_TABLE,
    version_table: str = DEFAULT_VERSION_TABLE,
) -> Callable[..., bool]:
    """An ``include_name`` hook that hides the tool's tables from autogenerate, then asks ``user_filter``."""
    own = build(history_table, version_table).names() | {version_table}
    own |= build(history_table).names() | {DEFAULT_VERSION_TABLE}

    def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
        if type_ == "table" and name is not None and name.lower() in own:
            return False
        return True if user_filter is None else user_filter(name, type_, parent_names)

    return include_name
