"""Checksums (db verify, upgrade refusing edited revisions) and db baseline, through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, PROJECT_REVISIONS, Database
from support.deploy import DEPLOY_TABLES, current, history, query

# what `db verify` says of the project chain once applied
MATCH = f"{len(PROJECT_REVISIONS)} applied revisions match their files\n"


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)  # checksums do not depend on the dialect
def test_edited_revision_is_named_and_upgrade_refuses(database: Database, tmp_path: Path) -> None:
    directory = migrations_with(tmp_path, {})
    assert run_manage("db", "upgrade", "-d", str(directory), database_url=database.url).returncode == 0
    revision_file = directory / "versions" / "0002_first_name_not_null.py"
    source = revision_file.read_text()

    # a comment, a reformatted call and an edited docstring change nothing that runs: not an edit
    reformatted = source.replace('BACKFILL = "unknown"', "BACKFILL = 'unknown'  # a comment added later")
    reformatted = reformatted.replace("Hand-audited:", "Hand-audited (reviewed again):")
    revision_file.write_text(reformatted + "\n# edited after it was applied\n")
    verify = run_manage("db", "-d", str(directory), "verify", database_url=database.url)
    assert (verify.returncode, verify.stdout) == (0, MATCH), verify.stderr

    # what upgrade() writes changes: an edit, and verify says where
    revision_file.write_text(source.replace('BACKFILL = "unknown"', 'BACKFILL = "n/a"'))
    verify = run_manage("db", "-d", str(directory), "verify", database_url=database.url)
    assert verify.returncode == 1
    edited = f"edited: 0002 ({revision_file}) changed since it was applied: the rest of the module changed"
    assert verify.stderr == f"Error: {edited}\n"

    refused = run_manage("db", "upgrade", "-d", str(directory), database_url=database.url)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        f"Error: {edited}; refusing to upgrade (check the"
        " files, or pass --allow-edited to accept them, which the history records)"
    )

    allowed = run_manage("db", "upgrade", "-d", str(directory), "--allow-edited", database_url=database.url)
    assert allowed.returncode == 0, allowed.stderr
    assert history(database)[-1] == (
        "0002",
        "accept",
        "success",
        None,
        "accepted with --allow-edited: edited file",
    )
    verify = run_manage("db", "-d", str(directory), "verify", database_url=database.url)
    assert (verify.returncode, verify.stdout) == (0, MATCH)


def _unversion(database: Database, drop_column: bool) -> None:
    """The original project's situation: the tables are there, no migration ever ran."""
    engine = database.engine()
    try:
        with engine.begin() as connection:
            for table in sorted(DEPLOY_TABLES | {"alembic_version"}):
                connection.execute(sa.text(f"DROP TABLE {table}"))
            if drop_column:
                connection.execute(sa.text("ALTER TABLE auth_user DROP COLUMN last_name"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", "mariadb"], indirect=True)
def test_baseline_stamps_only_a_matching_schema(database: Database) -> None:
    assert run_manage("db", "upgrade", database_url=database.url).returncode == 0
    _unversion(database, drop_column=True)

    differs = run_manage("db", "baseline", database_url=database.url)
    assert differs.returncode == 1
    assert differs.stderr == (
        "Error: the live schema differs from the models in 1 places, nothing was changed:"
        " add_column auth_user.last_name\n"
    )
    assert not database.tables() & (DEPLOY_TABLES | {"alembic_version"})

    engine = database.engine()
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE auth_user ADD COLUMN last_name VARCHAR(100)"))
    engine.dispose()
    adopted = run_manage("db", "baseline", database_url=database.url)
    assert adopted.returncode == 0, adopted.stderr
    assert adopted.stdout == f"baseline: schema matches the models; stamped {PROJECT_HEAD}\n"
    assert current(database) == {PROJECT_HEAD}
    note = "baseline: the live schema matched the models"
    assert history(database) == [
        (revision, "baseline", "success", None, note) for revision in PROJECT_REVISIONS
    ]
    assert query(database, "SELECT COUNT(*) FROM migration_history WHERE checksum IS NULL") == [(0,)]
