"""The --sql script run by the database's own client, as a DBA runs it: psql and the MariaDB client.

The same mechanism as the Oracle script (guard, history rows, COMMIT per revision), proved on the
servers we have: the script applies the chain and leaves a history ``db log`` and ``db verify`` read;
run again, the guard stops it before anything runs, with a non-zero exit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, SERVERS, fresh_database

CLIENTS = {"postgresql": "psql", "mariadb": "mariadb"}


def _run_client(backend: str, url: str, script: Path) -> subprocess.CompletedProcess[str]:
    client = shutil.which(CLIENTS[backend])
    if client is None:
        pytest.skip(f"{CLIENTS[backend]} is not installed")
    parsed = sa.make_url(url)
    if backend == "postgresql":
        args = [
            client,
            "-X",
            "-q",
            "-h",
            str(parsed.host),
            "-p",
            str(parsed.port or 5432),
            "-U",
            str(parsed.username),
        ]
        args += ["-d", str(parsed.database), "-f", str(script)]
        return subprocess.run(args, capture_output=True, text=True, timeout=60)
    args = [
        client,
        "-h",
        str(parsed.host),
        "-P",
        str(parsed.port or 3306),
        "-u",
        str(parsed.username),
        str(parsed.database),
    ]
    with open(script, encoding="utf-8") as handle:
        return subprocess.run(args, stdin=handle, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("backend", SERVERS)
def test_script_applies_audits_and_refuses_a_second_run(backend: str, tmp_path: Path) -> None:
    dialect = "mariadb" if backend == "mariadb" else backend
    written = run_manage("db", "upgrade", "--sql", "--dialect", dialect)
    assert written.returncode == 0, written.stderr
    script = tmp_path / "upgrade.sql"
    script.write_text(written.stdout, encoding="utf-8")
    with fresh_database(backend, tmp_path) as database:
        ran = _run_client(backend, database.url, script)
        assert ran.returncode == 0, ran.stderr
        assert {"auth_user", "auth_role", "auth_roles_users", "migration_history"} <= database.tables()

        logged = run_manage("db", "log", "--json", database_url=database.url)
        assert logged.returncode == 0, logged.stderr
        rows = json.loads(logged.stdout)
        assert [(r["revision"], r["direction"], r["outcome"], r["note"]) for r in rows] == [
            (revision, "upgrade", "success", "run from a --sql script") for revision in PROJECT_REVISIONS
        ]
        assert all(r["db_user"] == "root" or r["db_user"] == "postgres" for r in rows)
        assert all(r["checksum"] and r["finished"] and r["duration_ms"] is not None for r in rows)
        verified = run_manage("db", "verify", database_url=database.url)
        assert verified.returncode == 0, verified.stdout + verified.stderr

        again = _run_client(backend, database.url, script)
        assert again.returncode != 0
        assert "this script starts from an empty schema but alembic_version is not empty" in again.stderr
        assert len(json.loads(run_manage("db", "log", "--json", database_url=database.url).stdout)) == len(
            rows
        )

        back = run_manage("db", "downgrade", "--sql", "--dialect", dialect, f"{PROJECT_HEAD}:base")
        assert back.returncode == 0, back.stderr
        (tmp_path / "downgrade.sql").write_text(back.stdout, encoding="utf-8")
        reverted = _run_client(backend, database.url, tmp_path / "downgrade.sql")
        assert reverted.returncode == 0, reverted.stderr
        assert not {"auth_user", "auth_role", "auth_roles_users"} & database.tables()
        rows = json.loads(run_manage("db", "log", "--json", database_url=database.url).stdout)
        assert [(r["revision"], r["direction"], r["outcome"]) for r in rows[len(PROJECT_REVISIONS) :]] == [
            (revision, "downgrade", "success") for revision in reversed(PROJECT_REVISIONS)
        ]


@pytest.mark.parametrize("backend", SERVERS)
def test_stamp_script_is_audited_and_verified(backend: str, tmp_path: Path) -> None:
    # a database a DBA marks with `db stamp --sql`: the script's rows are what `db log` and
    # `db verify` know of the stamp, as they know one made online
    dialect = "mariadb" if backend == "mariadb" else backend
    scripts = {}
    for name, args in (("stamp", ("head",)), ("unstamp", ("0002:base",))):
        written = run_manage("db", "stamp", "--sql", "--dialect", dialect, *args)
        assert written.returncode == 0, written.stderr
        scripts[name] = tmp_path / f"{name}.sql"
        scripts[name].write_text(written.stdout, encoding="utf-8")
    with fresh_database(backend, tmp_path) as database:
        ran = _run_client(backend, database.url, scripts["stamp"])
        assert ran.returncode == 0, ran.stderr
        assert database.tables() == {"alembic_version", "migration_history"}

        rows = json.loads(run_manage("db", "log", "--json", database_url=database.url).stdout)
        assert [(r["revision"], r["direction"], r["outcome"], r["note"]) for r in rows] == [
            (revision, "stamp", "success", "run from a --sql script") for revision in PROJECT_REVISIONS
        ]
        assert all(r["checksum"] and r["finished"] and r["duration_ms"] == 0 for r in rows)
        assert all(r["db_user"] in ("root", "postgres") for r in rows)
        verified = run_manage("db", "verify", database_url=database.url)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.strip() == f"{len(PROJECT_REVISIONS)} applied revisions match their files"

        again = _run_client(backend, database.url, scripts["stamp"])
        assert again.returncode != 0
        assert "this script starts from an empty schema but alembic_version is not empty" in again.stderr

        # from head to base in two steps: down to 0002 online, then the unstamp script from 0002
        assert run_manage("db", "stamp", "0002", database_url=database.url).returncode == 0
        ran = _run_client(backend, database.url, scripts["unstamp"])
        assert ran.returncode == 0, ran.stderr
        rows = json.loads(run_manage("db", "log", "--json", database_url=database.url).stdout)
        above = [revision for revision in reversed(PROJECT_REVISIONS) if revision > "0002"]
        assert [(r["revision"], r["direction"], r["note"]) for r in rows[len(PROJECT_REVISIONS) :]] == [
            *((revision, "unstamp", None) for revision in above),
            ("0002", "unstamp", "run from a --sql script"),
            ("0001", "unstamp", "run from a --sql script"),
        ]
        current = run_manage("db", "current", database_url=database.url)
        assert [line for line in current.stdout.splitlines() if line.strip()] == []
        verified = run_manage("db", "verify", database_url=database.url)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.strip() == "0 applied revisions match their files"


@pytest.mark.parametrize("backend", SERVERS)
def test_script_stops_at_the_first_error_with_nothing_after_it_run(backend: str, tmp_path: Path) -> None:
    # the schema already holds a table revision 0001 creates: the client stops there, non-zero
    dialect = "mariadb" if backend == "mariadb" else backend
    written = run_manage("db", "upgrade", "--sql", "--dialect", dialect)
    assert written.returncode == 0, written.stderr
    script = tmp_path / "upgrade.sql"
    script.write_text(written.stdout, encoding="utf-8")
    with fresh_database(backend, tmp_path) as database:
        engine = database.engine()
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE auth_user (id INTEGER PRIMARY KEY)")
        finally:
            engine.dispose()
        ran = _run_client(backend, database.url, script)
        assert ran.returncode != 0
        # nothing after the failed statement ran: no later table, no version
        assert "auth_roles_users" not in database.tables()
        assert run_manage("db", "current", database_url=database.url).stdout.strip() == ""
        rows = json.loads(run_manage("db", "log", "--json", database_url=database.url).stdout)
        if backend == "postgresql":
            # one transaction per revision: 0001 rolled back whole, its history row with it
            assert rows == []
            assert database.tables() == {"alembic_version", "migration_history", "auth_user"}
        else:
            # DDL commits on its own: the row committed before 0001 says it never finished
            assert [(r["revision"], r["direction"], r["outcome"]) for r in rows] == [
                ("0001", "upgrade", "running")
            ]
            assert "auth_role" in database.tables()
