"""The DBA's script and the reflection noise on a real Oracle, when ORACLE_URL names one.

The script runs in SQLcl (``sql``) or SQL*Plus (``sqlplus``) when either is on PATH, else entry by
entry through the driver as SQL*Plus would send it (tests/support/oracle_sql.py). Each test leaves
the schema as it found it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import run_manage
from support.databases import PROJECT_REVISIONS
from support.oracle_sql import sqlplus_entries

ORACLE_URL = os.environ.get("ORACLE_URL", "")
pytestmark = pytest.mark.skipif(
    not ORACLE_URL, reason="ORACLE_URL is not set: no live Oracle here (compose.yaml starts one)"
)
OWN_TABLES = ("migration_history_journal", "migration_history_lock", "migration_history", "alembic_version")


def _drop_everything(engine: sa.Engine) -> None:
    run_manage("db", "downgrade", "base", database_url=ORACLE_URL)
    with engine.begin() as connection:
        for table in ("audit_notes", *OWN_TABLES):
            connection.exec_driver_sql(
                f"BEGIN EXECUTE IMMEDIATE 'DROP TABLE {table} PURGE'; EXCEPTION WHEN OTHERS THEN NULL; END;"
            )


@pytest.fixture
def oracle() -> Iterator[sa.Engine]:
    """An engine on the live Oracle with an empty application schema; emptied again afterwards."""
    engine = sa.create_engine(ORACLE_URL)
    _drop_everything(engine)
    yield engine
    _drop_everything(engine)
    engine.dispose()


def _run_script(engine: sa.Engine, script: str, path: Path) -> int:
    """Run the script as a DBA would; 0 on success (the driver path stops at the first error)."""
    client = shutil.which("sql") or shutil.which("sqlplus")
    url = engine.url
    if client is not None:
        path.write_text(script, encoding="utf-8")
        service = url.query.get("service_name", url.database)
        logon = f"{url.username}/{url.password}@//{url.host}:{url.port or 1521}/{service}"
        # the password through stdin (CONNECT), never on argv where every user of the machine sees
        # it; a refused CONNECT is an SQL error, so it exits before the script
        given = f"WHENEVER SQLERROR EXIT FAILURE\nCONNECT {logon}\n@{path}\n"
        return subprocess.run([client, "-S", "-L", "/nolog"], input=given, text=True, timeout=600).returncode
    with engine.connect() as connection:
        for entry in sqlplus_entries(script):
            if entry.kind == "command":
                continue
            try:
                connection.exec_driver_sql(entry.text)
            except sa.exc.DatabaseError:
                connection.rollback()  # WHENEVER SQLERROR EXIT FAILURE ROLLBACK
                return 1
        connection.commit()
    return 0


@pytest.mark.parametrize("version", ("19", "21", "23"))
def test_script_runs_records_history_and_stops_a_second_run(
    oracle: sa.Engine, tmp_path: Path, version: str
) -> None:
    written = run_manage("db", "upgrade", "--sql", env={"ORACLE_TARGET_VERSION": version})
    assert written.returncode == 0, written.stderr
    assert _run_script(oracle, written.stdout, tmp_path / "up.sql") == 0
    rows = json.loads(run_manage("db", "log", "--json", database_url=ORACLE_URL).stdout)
    assert [(r["revision"], r["direction"], r["outcome"]) for r in rows] == [
        (revision, "upgrade", "success") for revision in PROJECT_REVISIONS
    ]
    assert run_manage("db", "verify", database_url=ORACLE_URL).returncode == 0
    assert run_manage("db", "check", database_url=ORACLE_URL).returncode == 0
    assert _run_script(oracle, written.stdout, tmp_path / "up.sql") != 0  # the guard
    down = run_manage("db", "downgrade", "--sql", "0002:base", env={"ORACLE_TARGET_VERSION": version})
    assert _run_script(oracle, down.stdout, tmp_path / "down.sql") == 0
    assert "auth_user" not in sa.inspect(oracle).get_table_names()


def test_stamp_script_is_audited(oracle: sa.Engine, tmp_path: Path) -> None:
    written = run_manage("db", "stamp", "--sql", "head", env={"ORACLE_TARGET_VERSION": "19"})
    assert written.returncode == 0, written.stderr
    assert _run_script(oracle, written.stdout, tmp_path / "stamp.sql") == 0
    rows = json.loads(run_manage("db", "log", "--json", database_url=ORACLE_URL).stdout)
    assert [(r["revision"], r["direction"], r["outcome"]) for r in rows] == [
        (revision, "stamp", "success") for revision in PROJECT_REVISIONS
    ]
    assert run_manage("db", "verify", database_url=ORACLE_URL).returncode == 0
    assert _run_script(oracle, written.stdout, tmp_path / "stamp.sql") != 0  # the guard
    back = run_manage("db", "stamp", "--sql", "head:base", env={"ORACLE_TARGET_VERSION": "19"})
    assert _run_script(oracle, back.stdout, tmp_path / "unstamp.sql") == 0
    rows = json.loads(run_manage("db", "log", "--json", database_url=ORACLE_URL).stdout)
    assert [(r["revision"], r["direction"]) for r in rows[len(PROJECT_REVISIONS) :]] == [
        (revision, "unstamp") for revision in reversed(PROJECT_REVISIONS)
    ]


def test_helper_objects_and_default_null_are_no_drift(oracle: sa.Engine) -> None:
    assert run_manage("db", "upgrade", database_url=ORACLE_URL).returncode == 0
    with oracle.begin() as connection:
        connection.exec_driver_sql("CREATE MATERIALIZED VIEW LOG ON auth_role")  # MLOG$_AUTH_ROLE, RUPD$_
        connection.exec_driver_sql("BEGIN DBMS_ERRLOG.CREATE_ERROR_LOG('AUTH_USER'); END;")  # ERR$_AUTH_USER
        connection.exec_driver_sql(
            "ALTER TABLE auth_role MODIFY description DEFAULT NULL"
        )  # DATA_DEFAULT 'NULL'
    try:
        check = run_manage("db", "check", database_url=ORACLE_URL)
        assert check.returncode == 0, check.stdout + check.stderr
        tables = run_manage("db", "check", database_url=ORACLE_URL, env={"MIGRATION_EXCLUDE_OBJECTS": "x_*"})
        assert tables.returncode == 0
    finally:
        with oracle.begin() as connection:
            connection.exec_driver_sql("DROP MATERIALIZED VIEW LOG ON auth_role")
            connection.exec_driver_sql("DROP TABLE err$_auth_user PURGE")
