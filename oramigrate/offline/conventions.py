"""What a script must say for each client to run it safely: settings, the start guard, statement ends.

Oracle (SQL*Plus, SQLcl; SQL*Plus User's Guide and Reference, WHENEVER SQLERROR, WHENEVER OSERROR,
SET DEFINE, SET SQLBLANKLINES): stop at the first SQL or OS error and roll back what is not
committed; ``&`` is text, not a substitution variable; blank lines inside a literal stay in it.
``EXIT FAILURE`` rather than ``EXIT SQL.SQLCODE``: the shell sees the exit status modulo 256, so
ORA-01536 (quota exceeded, 1536 = 6 x 256) would exit 0 and look like success.
PostgreSQL (psql, "Variables": ON_ERROR_STOP): stop at the first error; each revision is one
transaction, DDL included. MariaDB (mariadb/mysql client): batch mode stops at the first error
unless ``--force``; it runs in autocommit and DDL commits on its own, so the version update and its
history row are put in a transaction (START TRANSACTION ... COMMIT) of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Conventions:
    """One client's script conventions."""

    dialect: str
    settings: tuple[str, ...]
    # SQL expressions for the history row: session user, OS user, client host, now in UTC
    db_user: str
    os_user: str
    host: str
    now: str
    # when a revision finished, and how long it took (may name the row's ``started`` column)
    finished: str
    duration: str
    footer: tuple[str, ...] = ()
    # statements end with a "/" line (SQL*Plus) rather than ";"
    slash_terminated: bool = False
    # the client command that prints a line as the script runs (None: a comment only)
    prompt_prefix: str | None = None
    # what opens a transaction around the version update and its history row, where each
    # statement would otherwise commit on its own (None: one is open already)
    begin: str | None = None

    def columns(self) -> dict[str, sa.ColumnElement[object]]:
        """The session-dependent values of a history row, as SQL."""
        return {
            "db_user": sa.literal_column(self.db_user),
            "os_user": sa.literal_column(self.os_user),
            "host": sa.literal_column(self.host),
        }

    def prompt(self, text: str) -> str:
        """A line the client prints while running the script (a comment where it has no such command)."""
        line = " ".join(text.split())
        return f"{self.prompt_prefix} {line}" if self.prompt_prefix else f"-- {line}"


ORACLE = Conventions(
    dialect="oracle",
    settings=(
        "WHENEVER SQLERROR EXIT FAILURE ROLLBACK",
        "WHENEVER OSERROR EXIT FAILURE ROLLBACK",
        "SET DEFINE OFF",
        "SET SQLBLANKLINES ON",
        "SET ECHO ON",
    ),
    db_user="USER",
    os_user="SUBSTR(SYS_CONTEXT('USERENV', 'OS_USER'), 1, 128)",
    host="SUBSTR(SYS_CONTEXT('USERENV', 'HOST'), 1, 255)",
    now="CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE)",
    finished="CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE)",
    duration="ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - started) * 86400000)",
    footer=("EXIT SUCCESS",),
    slash_terminated=True,
    prompt_prefix="PROMPT",
)
POSTGRESQL = Conventions(
    dialect="postgresql",
    settings=("\\set ON_ERROR_STOP on",),
    db_user="current_user",
    os_user="NULL",
    host="host(inet_client_addr())",
    now="(now() AT TIME ZONE 'UTC')",
    finished="(clock_timestamp() AT TIME ZONE 'UTC')",
    duration="CAST(EXTRACT(EPOCH FROM clock_timestamp() - now()) * 1000 AS INTEGER)",
    prompt_prefix="\\echo",
)
MARIADB = Conventions(
    dialect="mysql",
    settings=(),
    db_user="SUBSTRING_INDEX(USER(), '@', 1)",
    os_user="NULL",
    host="SUBSTRING_INDEX(USER(), '@', -1)",
    now="UTC_TIMESTAMP()",
    finished="UTC_TIMESTAMP()",
    duration="TIMESTAMPDIFF(SECOND, started, UTC_TIMESTAMP()) * 1000",
    begin="START TRANSACTION",
)
BY_DIALECT = {"oracle": ORACLE, "postgresql": POSTGRESQL, "mysql": MARIADB, "mariadb": MARIADB}


def for_dialect(name: str) -> Conventions | None:
    """The conventions for a dialect, or None where we write Alembic's plain script (SQLite)."""
    return BY_DIALECT.get(name)
