"""The salt fingerprint lives in ``app_setting`` (revision 0004), on every backend.

Before 0004 it was the description of a reserved role, ``_password_salt``. The revision moves it
into the settings table and deletes the role; its downgrade puts the role back, its key drawn from
``auth_role_id_seq``. Production must keep refusing a salt other than the seeding one across the
move: users seeded under one salt cannot sign in under another, and nothing else says why.
"""

from __future__ import annotations

import sqlalchemy as sa
from support.cli import TEST_SECRETS, run_manage
from support.databases import PROJECT_HEAD, Database
from support.inputs import invoke, only_error

from webapp.salt import SALT_SETTING, fingerprint

SALT = TEST_SECRETS["SECURITY_PASSWORD_SALT"]
OTHER_SALT = "Zq3" + SALT[3:]
ROLE = "_password_salt"
PREFIX = "fingerprint of SECURITY_PASSWORD_SALT: "
# the revision that moved the fingerprint; the test applies the chain up to the one before it
MOVED_BY = "0004"
DEFAULT_COST = {"SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": ""}


def rows(database: Database, sql: str) -> list[tuple[object, ...]]:
    """The rows of ``sql`` on ``database``."""
    engine = database.engine()
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def old_style_fingerprint(database: Database) -> None:
    """The reserved role as seeding wrote it before 0004, its key from the sequence as the ORM drew it."""
    key = {
        "sqlite": "",
        "postgresql": "nextval('auth_role_id_seq'), ",
        "mariadb": "NEXTVAL(auth_role_id_seq), ",
    }
    columns = "" if database.backend == "sqlite" else "id, "
    engine = database.engine()
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    f"INSERT INTO auth_role ({columns}name, description) "
                    f"VALUES ({key[database.backend]}:name, :description)"
                ),
                {"name": ROLE, "description": PREFIX + fingerprint(SALT)},
            )
    finally:
        engine.dispose()


def refused_salt_line(database: Database) -> str:
    """``runserver --production`` under another salt: its one Error line (it refuses before serving)."""
    result = invoke(
        ["runserver", "--production"],
        {**DEFAULT_COST, "DATABASE_URL": database.url, "SECURITY_PASSWORD_SALT": OTHER_SALT},
    )
    assert result.exit_code == 2
    return only_error(result)


def test_the_revision_moves_the_fingerprint_and_its_downgrade_puts_it_back(database: Database) -> None:
    before = run_manage("db", "upgrade", f"{MOVED_BY}-1", database_url=database.url)
    assert before.returncode == 0, before.stderr
    old_style_fingerprint(database)

    assert run_manage("db", "upgrade", MOVED_BY, database_url=database.url).returncode == 0
    assert rows(database, "SELECT name, value FROM app_setting") == [(SALT_SETTING, fingerprint(SALT))]
    assert rows(database, "SELECT name FROM auth_role") == []
    assert refused_salt_line(database).startswith(
        "Error: SECURITY_PASSWORD_SALT is not the salt the users' passwords were hashed with (fingerprint "
        f"{fingerprint(OTHER_SALT)}, seeded under {fingerprint(SALT)})"
    )

    back = run_manage("db", "downgrade", f"{MOVED_BY}-1", "--allow-data-loss", database_url=database.url)
    assert back.returncode == 0, back.stderr
    assert "app_setting" not in database.tables()
    assert rows(database, "SELECT name, description FROM auth_role") == [(ROLE, PREFIX + fingerprint(SALT))]
    # up again: the role's key came from the sequence, so nothing collides and the move repeats
    again = run_manage("db", "upgrade", "head", database_url=database.url)
    assert again.returncode == 0, again.stderr
    assert rows(database, "SELECT value FROM app_setting") == [(fingerprint(SALT),)]


def test_seeding_records_the_fingerprint_in_the_settings_table_not_in_a_role(database: Database) -> None:
    assert run_manage("db", "upgrade", database_url=database.url).returncode == 0
    made = run_manage(
        "dbCreateRegUser",
        "--email",
        "ops@example.com",
        "--password-stdin",
        database_url=database.url,
        input="Granite-harbour-83\n",
    )
    assert made.returncode == 0, made.stderr
    assert rows(database, "SELECT name, value FROM app_setting") == [(SALT_SETTING, fingerprint(SALT))]
    assert rows(database, "SELECT name FROM auth_role") == []
    assert rows(database, "SELECT version_num FROM alembic_version") == [(PROJECT_HEAD,)]
    assert refused_salt_line(database).endswith(
        "run with the seeding salt, or set every password again with `dbCreateRegUser --update`"
    )
