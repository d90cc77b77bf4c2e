"""The chain as the offline script a DBA runs, per Oracle target version: snapshot-exact, read as SQL*Plus
reads it (tests/support/oracle_sql.py) and every statement parsed by sqlglot.

The project's chain is written as the README says, with no database URL (the SQLite default) and
ORACLE_TARGET_VERSION alone; the repro chain (tests/support/dba_chain) adds raw SQL with ``;``, blank
lines, ``&`` and a PL/SQL block, sequence options, and the other operations we render.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, ROOT
from support.dba_chain import REVISIONS
from support.oracle_sql import check_script, commands, identifiers, statements

ORACLE_URL = "oracle+oracledb://app:s3cret@db.example:1521/?service_name=FREEPDB1"
SNAPSHOTS = ROOT / "tests" / "cli" / "snapshots"
VERSIONS = ("11.2", "12.1", "19", "21", "23")
RANGES = {
    "upgrade": ("upgrade", "head"),
    "downgrade": ("downgrade", "head:base"),
    "stamp": ("stamp", "head"),
    "unstamp": ("stamp", "0002:base"),
}
REPRO_RANGES = {"upgrade": ("upgrade", "0002:head"), "downgrade": ("downgrade", "head:0002")}


def offline_sql(version: str, direction: str, *args: str, database_url: str | None = None) -> str:
    """What ``db upgrade --sql`` / ``db downgrade --sql`` print for ``version`` (no URL by default)."""
    command, revision = RANGES[direction]
    result = run_manage(
        "db", command, "--sql", revision, *args, database_url=database_url,
        env={"ORACLE_TARGET_VERSION": version},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def repro_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's chain plus the repro revisions 0013 and 0014."""
    return migrations_with(tmp_path_factory.mktemp("repro"), REVISIONS)


def repro_sql(directory: Path, version: str, revision: str, command: str = "upgrade", *args: str) -> str:
    """The repro chain's script for ``revision`` (a range); lint errors acknowledged with --allow-unsafe."""
    unsafe = ("--allow-unsafe",) if command == "upgrade" else ()
    result = run_manage(
        "db", "-d", str(directory), command, "--sql", revision, *unsafe, *args,
        env={"ORACLE_TARGET_VERSION": version},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def _compare(script: str, name: str) -> None:
    snapshot = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(script, encoding="utf-8")
    assert script == snapshot.read_text(encoding="utf-8")
    check_script(script)


@pytest.mark.parametrize("direction", ("upgrade", "downgrade"))
@pytest.mark.parametrize("version", VERSIONS)
def test_matches_reviewed_snapshot(version: str, direction: str) -> None:
    _compare(offline_sql(version, direction), f"oracle-{version}-{direction}.sql")


@pytest.mark.parametrize("direction", ("stamp", "unstamp"))
def test_stamp_script_matches_reviewed_snapshot(direction: str) -> None:
    # a stamp runs no revision; its history rows are what Oracle sees of it (as ``db stamp`` online)
    _compare(offline_sql("19", direction), f"oracle-19-{direction}.sql")


def test_stamp_script_writes_the_rows_db_stamp_writes() -> None:
    entries = statements(_snapshot("19", "stamp"))
    start = entries.index(f"INSERT INTO alembic_version (version_num) VALUES ('{PROJECT_HEAD}')")
    rows = [e for e in entries[start + 1 :] if e.startswith("INSERT INTO migration_history")]
    assert [(_value(r, "revision"), _value(r, "direction"), _value(r, "outcome")) for r in rows] == [
        (f"'{revision}'", "'stamp'", "'success'") for revision in PROJECT_REVISIONS
    ]
    assert all(_value(r, "checksum").startswith("'ast:") and "USER AS db_user" in r for r in rows)
    # the rows go in the version update's transaction: nothing between them and its COMMIT
    assert entries[start + 1 : start + 2 + len(rows)] == [*rows, "COMMIT"]

    down = statements(_snapshot("19", "unstamp"))
    start = down.index("DELETE FROM alembic_version WHERE alembic_version.version_num = '0002'")
    rows = down[start + 1 : start + 3]
    assert [(_value(r, "revision"), _value(r, "direction"), _value(r, "checksum")) for r in rows] == [
        ("'0002'", "'unstamp'", "NULL"),
        ("'0001'", "'unstamp'", "NULL"),
    ]
    assert down[start + 3] == "COMMIT"


def _value(insert: str, column: str) -> str:
    """The SQL a history INSERT ... SELECT writes into ``column`` (each value is labelled with it)."""
    match = re.search(rf"(\S+|'[^']*') AS {column}\b", insert)
    assert match is not None, insert
    return match.group(1)


@pytest.mark.parametrize("direction", sorted(REPRO_RANGES))
@pytest.mark.parametrize("version", VERSIONS)
def test_repro_chain_matches_reviewed_snapshot(repro_directory: Path, version: str, direction: str) -> None:
    command, revision = REPRO_RANGES[direction]
    _compare(
        repro_sql(repro_directory, version, revision, command), f"oracle-{version}-repro-{direction}.sql"
    )


def _snapshot(version: str, direction: str) -> str:
    return (SNAPSHOTS / f"oracle-{version}-{direction}.sql").read_text(encoding="utf-8")


@pytest.mark.parametrize("version", ("11.2", "19", "21"))
def test_no_native_boolean_before_23(version: str) -> None:
    assert "BOOLEAN" not in _snapshot(version, "upgrade")
    assert "active SMALLINT NOT NULL" in _snapshot(version, "upgrade")


def test_23_uses_native_boolean() -> None:
    assert "active BOOLEAN NOT NULL" in _snapshot("23", "upgrade")


def test_11_2_has_no_identity_and_no_long_name() -> None:
    script = _snapshot("11.2", "upgrade")
    assert "IDENTITY" not in script
    names = [name for statement in statements(script, ("sql",)) for name in identifiers(statement)]
    assert "fk_auth_roles_users_user_59c3" in names
    assert max(len(name.encode("utf-8")) for name in names) <= 30


def test_sequences_created_before_tables_and_dropped_after() -> None:
    up = [
        s
        for s in statements(_snapshot("19", "upgrade"), ("sql",))
        if "migration_history" not in s and s != "COMMIT"
    ]
    down = [
        s
        for s in statements(_snapshot("19", "downgrade"), ("sql",))
        if "migration_history" not in s and s != "COMMIT"
    ]
    assert up[0:3] == [
        "CREATE SEQUENCE auth_role_id_seq INCREMENT BY 1 START WITH 1",
        "CREATE SEQUENCE auth_user_id_seq INCREMENT BY 1 START WITH 1",
        up[2],
    ]
    assert up[2].startswith("CREATE TABLE auth_role (")
    assert down[-3:-1] == ["DROP SEQUENCE auth_user_id_seq", "DROP SEQUENCE auth_role_id_seq"]


def test_unset_target_is_portable_11_2() -> None:
    result = run_manage("db", "upgrade", "--sql", database_url=ORACLE_URL)
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    assert result.stdout == _snapshot("11.2", "upgrade")


def test_bad_target_version_is_one_line() -> None:
    result = run_manage(
        "db", "upgrade", "--sql", database_url=ORACLE_URL, env={"ORACLE_TARGET_VERSION": "xe"}
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: ORACLE_TARGET_VERSION must look like 11.2, 12.1, 19, 21 or 23, not 'xe'"
    ]


def test_too_long_name_for_the_target_stops_the_script(tmp_path: Path) -> None:

    directory = migrations_with(tmp_path)
    (directory / "versions" / "0013_long.py").write_text(
        '"""long name"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f'revision = "0013"\ndown_revision = "{PROJECT_HEAD}"\n\n\n'
        "def upgrade():\n"
        '    op.add_column("auth_user", sa.Column("customer_loyalty_programme_tier", sa.Integer))\n\n\n'
        "def downgrade():\n"
        '    op.drop_column("auth_user", "customer_loyalty_programme_tier")\n'
    )
    for version, code in (("11.2", 1), ("19", 0)):
        result = run_manage(
            "db",
            "-d",
            str(directory),
            "upgrade",
            "--sql",
            database_url=ORACLE_URL,
            env={"ORACLE_TARGET_VERSION": version},
        )
        assert result.returncode == code, result.stderr
    assert result.stdout.count("customer_loyalty_programme_tier") == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("Error")] == []
    gated = run_manage(
        "db",
        "-d",
        str(directory),
        "upgrade",
        "--sql",
        database_url=ORACLE_URL,
        env={"ORACLE_TARGET_VERSION": "11.2"},
    )
    assert [line for line in gated.stderr.splitlines() if not line.startswith("INFO ")] == [
        "Error: refusing to upgrade: 1 unacknowledged lint error(s):",
        "  0013 name-too-long: column name customer_loyalty_programme_tier is 31 bytes; "
        "Oracle 11.2 allows 30",
        "  acknowledge each in its revision (lint_allow = {code: reason}) or pass --allow-unsafe",
    ]
    # past the lint gate, the execution guard still refuses what Oracle 11.2 would reject half-way
    forced = run_manage(
        "db",
        "-d",
        str(directory),
        "upgrade",
        "--sql",
        "--allow-unsafe",
        database_url=ORACLE_URL,
        env={"ORACLE_TARGET_VERSION": "11.2"},
    )
    assert forced.returncode == 1
    assert [line for line in forced.stderr.splitlines() if line.startswith("Error")] == [
        "Error: name 'customer_loyalty_programme_tier' is 31 bytes; Oracle 11.2 allows 30 (30 bytes before "
        "12.2): shorten it, or set ORACLE_TARGET_VERSION to the version you run"
    ]


def test_readme_line_needs_no_url_and_no_password() -> None:
    # the fresh-clone default (SQLite) and ORACLE_TARGET_VERSION alone: Oracle SQL, the whole chain;
    # the arguments exactly as the README writes them
    result = run_manage("db", "upgrade", "--sql", env={"ORACLE_TARGET_VERSION": "21"})
    assert result.returncode == 0, result.stderr
    script = result.stdout
    assert script == _snapshot("21", "upgrade")
    assert script.startswith("-- Oracle target version: 21 (set ORACLE_TARGET_VERSION to change it)\n")
    assert "UPDATE alembic_version SET version_num='0002'" in script


def test_header_guard_and_history_of_the_script() -> None:
    script = _snapshot("19", "upgrade")
    assert commands(script) == [
        "WHENEVER SQLERROR EXIT FAILURE ROLLBACK",
        "WHENEVER OSERROR EXIT FAILURE ROLLBACK",
        "SET DEFINE OFF",
        "SET SQLBLANKLINES ON",
        "SET ECHO ON",
        "PROMPT oramigrate: upgrade -> 0001 (Users and roles: their sequences first, then the tables.)",
        "PROMPT oramigrate: upgrade 0001 -> 0002 (Make auth_user.first_name NOT NULL: backfill NULLs, then "
        "alter the column in place.)",
        "PROMPT oramigrate: upgrade 0002 -> 0003 (Index auth_roles_users.role_id: without it Oracle locks "
        "the whole link table while a role is deleted)",
        "PROMPT oramigrate: upgrade 0003 -> 0004 (Failed sign-ins per account, and a settings table that "
        "takes over the salt fingerprint's reserved ro)",
        "EXIT SUCCESS",
    ]
    entries = statements(script)
    guard = entries[0]
    assert guard.startswith("DECLARE") and guard.endswith("END;")
    assert "EXECUTE IMMEDIATE 'CREATE TABLE alembic_version (" in guard
    assert "EXECUTE IMMEDIATE 'CREATE TABLE migration_history (" in guard
    assert "IF total <> 0 THEN" in guard
    # per revision: a 'running' row committed first, then the work, then version + 'success' + COMMIT
    version_update = entries.index(
        "UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001'"
    )
    assert entries[version_update + 1].startswith("UPDATE migration_history SET finished=")
    assert "revision = '0002' AND migration_history.direction = 'upgrade'" in entries[version_update + 1]
    assert entries[version_update + 2] == "COMMIT"
    running = [e for e in entries if e.startswith("INSERT INTO migration_history")]
    assert len(running) == len(PROJECT_REVISIONS) and all(
        "'running' AS outcome" in e and "USER AS db_user" in e for e in running
    )


def test_guard_of_a_script_that_starts_at_a_revision() -> None:
    guard = statements(offline_sql("19", "downgrade"))[0]
    assert f"COUNT(CASE WHEN version_num = ''{PROJECT_HEAD}'' THEN 1 END)" in guard
    assert "IF total <> 1 OR matching <> 1 THEN" in guard
    assert f"starts at revision {PROJECT_HEAD} but alembic_version does not hold it: nothing was run" in guard
    assert "CREATE TABLE alembic_version" not in guard


def test_raw_sql_is_split_as_sqlplus_reads_it(repro_directory: Path) -> None:
    entries = statements(_snapshot("19", "repro-upgrade"))
    assert (
        "UPDATE auth_role\n           SET description = 'Sales & Marketing'\n         WHERE name = 'sales'"
        in entries
    )
    assert "INSERT INTO auth_role (id, name) VALUES (auth_role_id_seq.NEXTVAL, 'auditor')" in entries
    assert "UPDATE auth_role SET description = 'reads the audit log' WHERE name = 'auditor'" in entries
    block = next(e for e in entries if e.startswith("BEGIN"))
    assert block.endswith("DELETE FROM audit_log WHERE user_id IS NULL;\nEND;")
    assert "CREATE SEQUENCE audit_log_id_seq INCREMENT BY 1 START WITH 1 ORDER NOCACHE" in entries
    assert (
        "CREATE SEQUENCE audit_batch_seq INCREMENT BY 10 START WITH 100 MAXVALUE 999999 CACHE 50 CYCLE"
        in entries
    )


# where the second script's own part begins, per client
FIRST_PROMPT = {
    "oracle": "PROMPT oramigrate: upgrade",
    "postgresql": "\\echo oramigrate: upgrade",
    "mariadb": "-- oramigrate: upgrade",
}


@pytest.mark.parametrize("dialect", sorted(FIRST_PROMPT))
def test_two_scripts_in_a_row_are_the_one_script(repro_directory: Path, dialect: str) -> None:
    args = ("--dialect", dialect)
    oracle = dialect == "oracle"
    whole = repro_sql(repro_directory, "19", "0001:head", "upgrade", *args)
    first = repro_sql(repro_directory, "19", "0001:0013", "upgrade", *args)
    second = repro_sql(repro_directory, "19", "0013:head", "upgrade", *args)
    footer = "EXIT SUCCESS\n\n" if oracle else ""
    assert first.endswith(footer) and second.endswith(footer)
    # the second script's header (settings and its guard) is dropped; the first one's footer too
    joined = first[: len(first) - len(footer)] + second[second.index(FIRST_PROMPT[dialect]) :]
    assert joined == whole
    if oracle:  # each piece is a script SQL*Plus runs on its own
        for script in (first, second):
            check_script(script)


@pytest.mark.parametrize(
    ("revision", "message"),
    [
        ("0001:", "Error: revision range '0001:' needs both ends, for example 0001:head"),
        (
            "nope",
            f"Error: unknown revision 'nope' in 'nope'; known revisions: {', '.join(PROJECT_REVISIONS)} "
            "(db history lists them)",
        ),
        (
            "0001:zzz",
            f"Error: unknown revision 'zzz' in '0001:zzz'; known revisions: {', '.join(PROJECT_REVISIONS)} "
            "(db history lists them)",
        ),
    ],
)
def test_bad_range_is_one_line(revision: str, message: str) -> None:
    for command in ("upgrade", "downgrade", "stamp"):
        result = run_manage("db", command, "--sql", revision, env={"ORACLE_TARGET_VERSION": "19"})
        assert result.returncode == 2, command
        assert [line for line in result.stderr.splitlines() if not line.startswith("INFO ")] == [message]
        assert result.stdout == ""


def test_dialect_oracle_alone_writes_the_portable_script() -> None:
    # no URL (the SQLite default), no ORACLE_TARGET_VERSION: --dialect oracle writes for 11.2
    result = run_manage("db", "upgrade", "--sql", "--dialect", "oracle")
    assert result.returncode == 0, result.stderr
    assert result.stdout == _snapshot("11.2", "upgrade")


def test_dialect_needs_sql() -> None:
    result = run_manage("db", "upgrade", "--dialect", "oracle")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: --dialect chooses the dialect of a --sql script: give --sql too"
    )


@pytest.mark.parametrize("dialect", ("postgresql", "mariadb"))
def test_postgresql_and_mariadb_scripts(dialect: str) -> None:
    result = run_manage("db", "upgrade", "--sql", "--dialect", dialect)
    assert result.returncode == 0, result.stderr
    _snapshot_only(result.stdout, f"{dialect}-upgrade.sql")


def _snapshot_only(script: str, name: str) -> None:
    snapshot = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(script, encoding="utf-8")
    assert script == snapshot.read_text(encoding="utf-8")


SPLIT_FORM = {"ORACLE_USER": "app", "ORACLE_DSN": "db.example:1521/FREEPDB1", "ORACLE_TARGET_VERSION": "19"}


@pytest.mark.parametrize(
    ("command", "revision", "snapshot"),
    [
        ("upgrade", "head", "oracle-19-upgrade.sql"),
        ("downgrade", "head:base", "oracle-19-downgrade.sql"),
        ("stamp", "head", "oracle-19-stamp.sql"),
        ("stamp", "0002:base", "oracle-19-unstamp.sql"),
    ],
)
def test_split_form_writes_a_script_with_no_password(command: str, revision: str, snapshot: str) -> None:
    # ORACLE_USER/ORACLE_DSN and no ORACLE_PASSWORD[_FILE]: a script connects to nothing, asks for nothing
    result = run_manage("db", command, "--sql", revision, env=SPLIT_FORM)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (SNAPSHOTS / snapshot).read_text(encoding="utf-8")
    check_script(result.stdout)


def test_split_form_with_no_password_is_refused_by_work_that_connects() -> None:
    result = run_manage("db", "upgrade", env=SPLIT_FORM)
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if not line.startswith("INFO ")] == [
        "Error: ORACLE_PASSWORD or ORACLE_PASSWORD_FILE is required with ORACLE_USER "
        "(only a --sql script needs none)"
    ]
