"""The deploy lock and history on Oracle: SQL compiled for Oracle here, the real run with ORACLE_URL.

ORACLE_URL is an application user's URL (no DBMS_LOCK grant, no extra privilege): the lock is a
row lock, ``SELECT ... FOR UPDATE NOWAIT`` on the lock table, held by a session of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import oracle
from sqlalchemy.schema import CreateTable
from support.cli import run_manage
from support.databases import PROJECT_REVISIONS
from support.oracle_sql import parse

from oramigrate.deploy import tables as deploy_tables

ORACLE_URL = os.environ.get("ORACLE_URL", "")
live = pytest.mark.skipif(
    not ORACLE_URL, reason="ORACLE_URL is not set: no live Oracle here (compose.yaml starts one)"
)
TABLES = deploy_tables.build("migration_history")
ORACLE_11 = oracle.dialect(max_identifier_length=30)


def _sql(statement: sa.ClauseElement) -> str:
    return " ".join(str(statement.compile(dialect=ORACLE_11, compile_kwargs={"literal_binds": True})).split())


def test_lock_statement_for_oracle() -> None:
    lock = TABLES.lock
    statement = sa.select(lock.c.id).where(lock.c.id == deploy_tables.MUTEX_ROW).with_for_update(nowait=True)
    sql = _sql(statement)
    assert sql == (
        "SELECT alembic_version_lock.id FROM alembic_version_lock"
        " WHERE alembic_version_lock.id = 1 FOR UPDATE NOWAIT"
    )
    parse(sql)


def test_history_table_for_oracle_11_2() -> None:
    sql = _sql(CreateTable(TABLES.history))
    assert sql == (
        "CREATE TABLE migration_history ( id INTEGER NOT NULL, revision VARCHAR2(64 CHAR) NOT NULL,"
        " direction VARCHAR2(16 CHAR) NOT NULL, checksum VARCHAR2(64 CHAR), db_user VARCHAR2(128 CHAR),"
        " os_user VARCHAR2(128 CHAR), host VARCHAR2(255 CHAR), pid INTEGER, started DATE NOT NULL,"
        " finished DATE, duration_ms INTEGER, outcome VARCHAR2(16 CHAR) NOT NULL,"
        " error VARCHAR2(1000 CHAR), note VARCHAR2(1000 CHAR), PRIMARY KEY (id) )"
    )
    parse(sql)
    for table in (TABLES.journal, TABLES.lock):
        parse(_sql(CreateTable(table)))
        assert len(table.name) <= 30


@pytest.fixture
def oracle_db() -> Iterator[sa.Engine]:
    """An engine on the live Oracle; migrations reverted and the tool's tables dropped afterwards."""
    engine = sa.create_engine(ORACLE_URL)
    yield engine
    run_manage("db", "downgrade", "base", database_url=ORACLE_URL)
    TABLES.metadata.drop_all(engine)
    engine.dispose()


@live
def test_lock_held_by_another_session_then_upgrade_with_history(oracle_db: sa.Engine) -> None:
    assert (
        run_manage("db", "downgrade", "base", database_url=ORACLE_URL).returncode == 0
    )  # creates the tables
    with oracle_db.connect() as holder:
        lock = TABLES.lock
        holder.execute(sa.select(lock.c.id).where(lock.c.id == 1).with_for_update(nowait=True))
        waiter = run_manage("db", "upgrade", "--lock-timeout", "2", database_url=ORACLE_URL)
        holder.rollback()
    assert waiter.returncode == 1
    assert waiter.stderr.strip().splitlines()[-1].startswith("Error: migration lock still held by ")

    up = run_manage("db", "upgrade", database_url=ORACLE_URL)
    assert up.returncode == 0, up.stderr
    log = run_manage("db", "log", "--json", database_url=ORACLE_URL)
    rows = json.loads(log.stdout)
    assert [
        (row["revision"], row["direction"], row["outcome"]) for row in rows[-len(PROJECT_REVISIONS) :]
    ] == [(revision, "upgrade", "success") for revision in PROJECT_REVISIONS]
    assert rows[-1]["db_user"] == sa.make_url(ORACLE_URL).username
    verify = run_manage("db", "verify", database_url=ORACLE_URL)
    assert verify.returncode == 0, verify.stderr
