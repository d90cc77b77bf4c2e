"""An Oracle schema target, without a server: what each session runs first, and the tool's tables and
Alembic's version table qualified with the schema, as SQLAlchemy renders them through the target's
engine (its ``schema_translate_map``); each statement parsed by an independent parser.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.schema import CreateTable
from support.oracle_sql import parse

from oramigrate.deploy import tables as deploy_tables
from oramigrate.fleet import Target
from oramigrate.fleet.engines import session_statement, target_engine

URL = sa.make_url("oracle+oracledb://migrator:pw@db1:1521/?service_name=XEPDB1")
NAMES = deploy_tables.build("migration_history")
VERSION = sa.Table(
    "alembic_version", sa.MetaData(), sa.Column("version_num", sa.String(32), primary_key=True)
)


def _sent(target: Target, statement: sa.ClauseElement) -> str:
    """The statement as the target's engine would send it (the translate map applied, literals inlined)."""
    engine = target_engine(target)
    try:
        translate = engine.get_execution_options()["schema_translate_map"]
        compiled = statement.compile(
            dialect=engine.dialect,
            schema_translate_map=translate,
            render_schema_translate=True,
            compile_kwargs={"literal_binds": True},
        )
    finally:
        engine.dispose()
    return " ".join(str(compiled).split())


def test_each_session_sets_current_schema_first() -> None:
    for written in ("ACME", "acme"):  # the same case-insensitive Oracle name
        target = Target("acme", URL, written)
        engine = target_engine(target)
        try:
            assert session_statement(target, engine.dialect) == "ALTER SESSION SET CURRENT_SCHEMA = acme"
            assert engine.get_execution_options()["schema_translate_map"] == {None: "acme"}
        finally:
            engine.dispose()
    quoted = Target("mixed", URL, "Mixed_Case")
    engine = target_engine(quoted)
    try:
        assert session_statement(quoted, engine.dialect) == 'ALTER SESSION SET CURRENT_SCHEMA = "Mixed_Case"'
    finally:
        engine.dispose()
    assert session_statement(Target("own", URL), sa.create_engine(URL).dialect) is None


def test_history_journal_lock_and_version_tables_are_qualified_with_the_schema() -> None:
    target = Target("acme", URL, "ACME")
    expected = {
        CreateTable(NAMES.history): "CREATE TABLE acme.migration_history ( id INTEGER NOT NULL,",
        CreateTable(
            NAMES.journal
        ): "CREATE TABLE acme.migration_history_journal ( revision VARCHAR2(64 CHAR)",
        CreateTable(NAMES.lock): "CREATE TABLE acme.alembic_version_lock ( id INTEGER NOT NULL,",
        CreateTable(VERSION): "CREATE TABLE acme.alembic_version ( version_num VARCHAR2(32 CHAR) NOT NULL,",
    }
    for statement, start in expected.items():
        sql = _sent(target, statement)
        assert sql.startswith(start), sql
        parse(sql)
    lock = NAMES.lock
    statements = {
        sa.select(lock.c.id).where(lock.c.id == deploy_tables.MUTEX_ROW).with_for_update(nowait=True): (
            "SELECT acme.alembic_version_lock.id FROM acme.alembic_version_lock"
            " WHERE acme.alembic_version_lock.id = 1 FOR UPDATE NOWAIT"
        ),
        NAMES.history.insert().values(id=7, revision="0002", direction="upgrade", outcome="running"): (
            "INSERT INTO acme.migration_history (id, revision, direction, outcome)"
            " VALUES (7, '0002', 'upgrade', 'running')"
        ),
        NAMES.journal.delete().where(NAMES.journal.c.revision == "0002"): (
            "DELETE FROM acme.migration_history_journal"
            " WHERE acme.migration_history_journal.revision = '0002'"
        ),
        VERSION.update().values(version_num="0002").where(VERSION.c.version_num == "0001"): (
            "UPDATE acme.alembic_version SET version_num='0002'"
            " WHERE acme.alembic_version.version_num = '0001'"
        ),
    }
    for statement, sql in statements.items():
        assert _sent(target, statement) == sql
        parse(sql)


def test_a_target_without_schema_is_sent_as_before() -> None:
    engine = target_engine(Target("own", URL))
    try:
        assert "schema_translate_map" not in engine.get_execution_options()
    finally:
        engine.dispose()
