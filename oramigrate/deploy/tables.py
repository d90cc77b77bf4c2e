"""The tool's own tables: the history of revisions run, the per-operation journal, the lock holder.

Types are the ones every target accepts, Oracle 11.2 included: VARCHAR2 of at most 1000
characters (4000 bytes even in AL32UTF8), NUMBER, DATE; no BOOLEAN, no IDENTITY, no sequence: the history
key is the largest one plus one, safe because every write happens under the migration lock (and
no SERIAL, AUTO_INCREMENT or sequence of ours shows up in the application's schema comparisons).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..configuration import DEFAULT_HISTORY_TABLE

TEXT_LENGTH = 1000


@dataclass(frozen=True)
class DeployTables:
    """The three tables (and the history sequence) under the configured names."""

    metadata: sa.MetaData
    history: sa.Table
    journal: sa.Table
    lock: sa.Table

    def names(self) -> set[str]:
        """Every table name the tool owns (kept out of autogenerate and baseline)."""
        return {self.history.name, self.journal.name, self.lock.name}


def build(name: str) -> DeployTables:
    """Table definitions for history table ``name`` and its companions."""
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
    )
    lock = sa.Table(
        f"{name}_lock",
        metadata,
        # row MUTEX_ROW is what Oracle sessions lock; row HOLDER_ROW says who holds the lock
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("host", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("os_user", sa.String(128)),
        sa.Column("since", sa.DateTime),
    )
    return DeployTables(metadata, history, journal, lock)


MUTEX_ROW = 1
HOLDER_ROW = 2


def create_missing(connection: Connection, deploy_tables: DeployTables) -> None:
    """Create whichever of the tool's tables are missing, and the lock table's two rows."""
    deploy_tables.metadata.create_all(connection, checkfirst=True)
    present = {row[0] for row in connection.execute(sa.select(deploy_tables.lock.c.id))}
    for row_id in (MUTEX_ROW, HOLDER_ROW):
        if row_id not in present:
            connection.execute(deploy_tables.lock.insert().values(id=row_id))
    connection.commit()


def exclude_own_objects(
    user_filter: Callable[..., bool] | None, history_table: str = DEFAULT_HISTORY_TABLE
) -> Callable[..., bool]:
    """An ``include_name`` hook that hides the tool's tables from autogenerate, then asks ``user_filter``."""
    own = build(history_table).names() | {"alembic_version"}

    def include_name(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
        if type_ == "table" and name is not None and name.lower() in own:
            return False
        return True if user_filter is None else user_filter(name, type_, parent_names)

    return include_name
