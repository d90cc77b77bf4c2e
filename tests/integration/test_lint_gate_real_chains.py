"""The gate on PostgreSQL and MariaDB: `db upgrade` refuses each destructive repro, and no row is lost.

The repros are the corpus's destructive patterns written against the application's own schema
(auth_user, auth_role): SQL through the bind, rows deleted, truncated, overwritten or nulled, a
column dropped and re-added. One upgrade of the whole pending chain must refuse all of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import migrations_with, run_manage
from support.databases import PROJECT_HEAD, Database

REVISION = '''"""{title}"""
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = "{down}"


def upgrade():
    {upgrade}


def downgrade():
    pass
'''
# (title, upgrade body, the code the gate names)
DESTRUCTIVE = [
    ("drop through the bind", 'op.get_bind().execute(sa.text("DROP TABLE auth_role"))', "drop-table"),
    (
        "delete through exec_driver_sql",
        'op.get_bind().exec_driver_sql("DELETE FROM auth_user")',
        "delete-without-where",
    ),
    ("truncate", 'op.execute("TRUNCATE TABLE auth_user")', "truncate-table"),
    ("overwrite every row", "op.execute(\"UPDATE auth_user SET email = 'x'\")", "update-without-where"),
    ("null a column", 'op.execute("UPDATE auth_user SET last_name = NULL")', "update-set-null"),
    (
        "retype by drop + add",
        'op.drop_column("auth_user", "last_name")\n'
        '    op.add_column("auth_user", sa.Column("last_name", sa.Text()))',
        "drop-recreate-column",
    ),
]


def _chain(tmp_path: Path) -> Path:
    revisions, down = {}, PROJECT_HEAD
    for number, (title, body, _code) in enumerate(DESTRUCTIVE, 13):
        revision = f"{number:04d}"
        source = REVISION.format(title=title, revision=revision, down=down, upgrade=body)
        revisions[f"{revision}_repro.py"] = source
        down = revision
    return migrations_with(tmp_path, revisions)


def _rows(database: Database) -> list[tuple[object, ...]]:
    engine = database.engine()
    try:
        with engine.connect() as connection:
            users = connection.execute(sa.text("SELECT id, email, last_name FROM auth_user ORDER BY id"))
            roles = connection.execute(sa.text("SELECT id, name FROM auth_role ORDER BY id"))
            return [*users.all(), *roles.all()]
    finally:
        engine.dispose()


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_upgrade_refuses_every_destructive_repro_and_keeps_the_rows(
    tmp_path: Path, database: Database
) -> None:
    directory = _chain(tmp_path)
    applied = run_manage("db", "-d", str(directory), "upgrade", PROJECT_HEAD, database_url=database.url)
    assert applied.returncode == 0, applied.stderr
    engine = database.engine()
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO auth_role (id, name) VALUES (1, 'admin')"))
        connection.execute(
            sa.text(
                "INSERT INTO auth_user (id, email, first_name, last_name, password, active, fs_uniquifier) "
                "VALUES (1, 'ada@example.org', 'Ada', 'Lovelace', 'x', true, 'u1')"
            )
        )
    engine.dispose()
    before = _rows(database)

    refused = run_manage("db", "-d", str(directory), "upgrade", database_url=database.url)

    assert refused.returncode == 1
    errors = [line for line in refused.stderr.splitlines() if line.startswith("  0")]
    named = {(line.split()[0], line.split()[1].rstrip(":")) for line in errors}
    expected = {(f"{n:04d}", code) for n, (_t, _b, code) in enumerate(DESTRUCTIVE, 13)}
    assert expected <= named, refused.stderr
    assert {revision for revision, _code in named} == {revision for revision, _code in expected}
    current = run_manage("db", "-d", str(directory), "current", database_url=database.url)
    assert current.stdout.strip() == PROJECT_HEAD
    assert _rows(database) == before == [(1, "ada@example.org", "Lovelace"), (1, "admin")]
