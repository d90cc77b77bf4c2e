"""The whole chain as offline Oracle SQL per target version: snapshot-exact, parsed by sqlglot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.cli import migrations_with, run_manage
from support.databases import ROOT
from support.oracle_sql import identifiers, parse, statements

ORACLE_URL = "oracle+oracledb://app:s3cret@db.example:1521/?service_name=FREEPDB1"
SNAPSHOTS = ROOT / "tests" / "cli" / "snapshots"
VERSIONS = ("11.2", "19", "21", "23")
RANGES = {"upgrade": ("upgrade", "head"), "downgrade": ("downgrade", "0002:base")}


def offline_sql(version: str, direction: str) -> str:
    """What ``db upgrade --sql`` / ``db downgrade --sql`` print for ``version``."""
    command, revision = RANGES[direction]
    result = run_manage(
        "db", command, "--sql", revision, database_url=ORACLE_URL, env={"ORACLE_TARGET_VERSION": version}
    )
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("direction", sorted(RANGES))
@pytest.mark.parametrize("version", VERSIONS)
def test_matches_reviewed_snapshot(version: str, direction: str) -> None:
    script = offline_sql(version, direction)
    snapshot = SNAPSHOTS / f"oracle-{version}-{direction}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(script, encoding="utf-8")
    assert script == snapshot.read_text(encoding="utf-8")
    for statement in statements(script):
        parse(statement)


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
    names = [name for statement in statements(script) for name in identifiers(statement)]
    assert "fk_auth_roles_users_user_59c3" in names
    assert max(len(name.encode("utf-8")) for name in names) <= 30


def test_sequences_created_before_tables_and_dropped_after() -> None:
    up = statements(_snapshot("19", "upgrade"))
    down = statements(_snapshot("19", "downgrade"))
    assert up[1:4] == [
        "CREATE SEQUENCE auth_role_id_seq INCREMENT BY 1 START WITH 1",
        "CREATE SEQUENCE auth_user_id_seq INCREMENT BY 1 START WITH 1",
        up[3],
    ]
    assert up[3].startswith("CREATE TABLE auth_role (")
    assert down[-3:-1] == ["DROP SEQUENCE auth_user_id_seq", "DROP SEQUENCE auth_role_id_seq"]


def test_unset_target_is_portable_11_2() -> None:
    result = run_manage("db", "upgrade", "--sql", database_url=ORACLE_URL)
    assert result.returncode == 0, result.stderr
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
    (directory / "versions" / "0003_long.py").write_text(
        '"""long name"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        'revision = "0003"\ndown_revision = "0002"\n\n\n'
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
        "  0003 name-too-long: column name customer_loyalty_programme_tier is 31 bytes; "
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
