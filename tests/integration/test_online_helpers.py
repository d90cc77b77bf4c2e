"""Issue 16: the online helpers on real PostgreSQL and MariaDB, alone and through `db upgrade`.

Each helper sends exactly its online form (captured from the driver), leaves a valid index or a
validated key, and `db upgrade` applies a revision written with them while the application runs;
the lint reads that revision as the safe form. Oracle is compiled in tests/unit/test_online_helpers_oracle.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from support.cli import migrations_with, run_manage
from support.databases import ROOT, Database
from support.deploy import query
from support.load import LoadGenerator, blocker, seed, summary
from support.oracle_sql import check_script

from oramigrate import plugin
from oramigrate.online import OrphanRows

EXPECTED_SQL = {
    "postgresql": [
        "CREATE INDEX CONCURRENTLY ix_orders_total ON orders (total)",
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY(user_id) REFERENCES users (id)"
        " NOT VALID",
        "ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user",
        "DROP INDEX CONCURRENTLY ix_orders_total",
    ],
    "mariadb": [
        "CREATE INDEX ix_orders_total ON orders (total) ALGORITHM=INPLACE LOCK=NONE",
        "SELECT child.user_id FROM orders AS child LEFT OUTER JOIN users AS parent"
        " ON child.user_id = parent.id WHERE child.user_id IS NOT NULL AND parent.id IS NULL"
        " LIMIT %(param_1)s",
        "SET STATEMENT foreign_key_checks=0 FOR ALTER TABLE orders ADD CONSTRAINT fk_orders_user"
        " FOREIGN KEY(user_id) REFERENCES users (id), ALGORITHM=INPLACE, LOCK=NONE",
        "DROP INDEX ix_orders_total ON orders",
    ],
}


def _tables(database: Database, orphan: bool = False) -> None:
    engine = database.engine()
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total INTEGER)"
        )
        connection.exec_driver_sql("INSERT INTO users VALUES (1)")
        connection.exec_driver_sql(
            f"INSERT INTO orders VALUES (1, 1, 5), (2, NULL, 7), (3, {9 if orphan else 1}, 8)"
        )
    engine.dispose()


@contextmanager
def _operations(database: Database, sent: list[str]) -> Iterator[Operations]:
    """Alembic's ``op`` on the database, in a migration transaction; ``sent``: every statement run."""
    plugin.install()
    engine = database.engine()

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            with context.begin_transaction():
                yield Operations(context)
    finally:
        engine.dispose()


def _index_and_key(database: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    if database.backend == "postgresql":
        indexes = query(
            database,
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = 'ix_orders_total'",
        )
        keys = query(
            database, "SELECT conname, convalidated FROM pg_constraint WHERE conname = 'fk_orders_user'"
        )
    else:
        indexes = query(
            database,
            "SELECT DISTINCT index_name FROM information_schema.statistics"
            " WHERE table_schema = DATABASE() AND index_name = 'ix_orders_total'",
        )
        keys = query(
            database,
            "SELECT constraint_name FROM information_schema.referential_constraints"
            " WHERE constraint_schema = DATABASE() AND constraint_name = 'fk_orders_user'",
        )
    return [tuple(row) for row in indexes], [tuple(row) for row in keys]


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_helpers_send_exactly_their_online_forms(database: Database, tmp_path: Path) -> None:
    _tables(database)
    sent: list[str] = []
    with _operations(database, sent) as op:
        op.create_index_online("ix_orders_total", "orders", ["total"])
        op.create_foreign_key_online("fk_orders_user", "orders", "users", ["user_id"], ["id"])
    built = _index_and_key(database)
    with _operations(database, sent) as op:
        op.drop_index_online("ix_orders_total", table_name="orders")
    assert sent == EXPECTED_SQL[database.backend]
    valid = (True,) if database.backend == "postgresql" else ()
    assert built == ([("ix_orders_total", *valid)], [("fk_orders_user", *valid)])
    assert _index_and_key(database) == ([], [("fk_orders_user", *valid)])


CHECK_SQL = {
    "postgresql": [
        "ALTER TABLE orders ADD CONSTRAINT ck_orders_total CHECK (total >= 0) NOT VALID",
        "ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_total",
    ],
    # no online form: the plain ALTER (ALGORITHM=COPY), which the lint flags (alter-copies-table)
    "mariadb": ["ALTER TABLE orders ADD CONSTRAINT ck_orders_total CHECK (total >= 0)"],
}


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_check_constraint_helper(database: Database, tmp_path: Path) -> None:
    _tables(database)
    sent: list[str] = []
    with _operations(database, sent) as op:
        op.create_check_constraint_online("ck_orders_total", "orders", sa.text("total >= 0"))
    assert sent == CHECK_SQL[database.backend]
    if database.backend == "postgresql":
        validated = query(
            database, "SELECT convalidated FROM pg_constraint WHERE conname = 'ck_orders_total'"
        )
        assert [tuple(row) for row in validated] == [(True,)]
    else:
        found = query(
            database,
            "SELECT constraint_name FROM information_schema.check_constraints"
            " WHERE constraint_schema = DATABASE() AND constraint_name = 'ck_orders_total'",
        )
        assert [tuple(row) for row in found] == [("ck_orders_total",)]


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_mariadb_refuses_a_key_that_rows_break_since_the_server_would_not_check(
    database: Database, tmp_path: Path
) -> None:
    _tables(database, orphan=True)
    sent: list[str] = []
    with pytest.raises(OrphanRows) as refused, _operations(database, sent) as op:
        op.create_foreign_key_online("fk_orders_user", "orders", "users", ["user_id"], ["id"])
    assert str(refused.value) == (
        "foreign key fk_orders_user: orders has rows whose user_id (9) match no users row;"
        " fix those rows first"
    )
    assert _index_and_key(database) == ([], [])
    assert not [statement for statement in sent if "ALTER" in statement]


def _helpers_revision(down_revision: str) -> str:
    return f'''"""Test revision: auth_user.manager_id, its index and key, written with the online helpers."""
from alembic import op
import sqlalchemy as sa

revision = "o001"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("auth_user", sa.Column("manager_id", sa.Integer(), nullable=True))
    op.create_index_online("ix_auth_user_manager_id", "auth_user", ["manager_id"])
    op.create_foreign_key_online("fk_auth_user_manager", "auth_user", "auth_user", ["manager_id"], ["id"])


def downgrade():
    op.drop_constraint("fk_auth_user_manager", "auth_user", type_="foreignkey")
    op.drop_index_online("ix_auth_user_manager_id", table_name="auth_user")
    op.drop_column("auth_user", "manager_id")
'''


def _manager_objects(database: Database) -> set[str]:
    if database.backend == "postgresql":
        sql = (
            "SELECT conname FROM pg_constraint WHERE conname = 'fk_auth_user_manager' AND convalidated"
            " UNION SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = 'ix_auth_user_manager_id' AND i.indisvalid"
        )
    else:
        sql = (
            "SELECT constraint_name FROM information_schema.referential_constraints"
            " WHERE constraint_schema = DATABASE() AND constraint_name = 'fk_auth_user_manager'"
            " UNION SELECT index_name FROM information_schema.statistics"
            " WHERE table_schema = DATABASE() AND index_name = 'ix_auth_user_manager_id'"
        )
    return {str(row[0]) for row in query(database, sql)}


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_db_upgrade_applies_the_helpers_under_load_and_the_lint_reads_them_as_safe(
    database: Database, tmp_path: Path
) -> None:
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert head is not None
    directory = str(migrations_with(tmp_path, {"o001_manager.py": _helpers_revision(head)}))
    assert run_manage("db", "upgrade", head, "-d", directory, database_url=database.url).returncode == 0
    seed(database.url)
    with LoadGenerator(database.url) as load:
        time.sleep(0.3)
        began = time.monotonic()
        ran = run_manage("db", "upgrade", "-d", directory, database_url=database.url)
        ended = time.monotonic()
        time.sleep(0.3)
    assert ran.returncode == 0, ran.stderr
    assert _manager_objects(database) == {"fk_auth_user_manager", "ix_auth_user_manager_id"}
    stats = summary(load.between(began, ended))
    assert stats["errors"] == 0
    dialect = "postgresql" if database.backend == "postgresql" else "mariadb"
    linted = run_manage("db", "lint", "o001", "--dialect", dialect, "--format", "json", "-d", directory)
    assert linted.returncode == 0, linted.stderr
    codes = [finding["code"] for finding in json.loads(linted.stdout)["findings"]]
    # the one finding on MariaDB is about its DDL committing statement by statement, not about locks
    assert codes == ([] if dialect == "postgresql" else ["several-ddl-non-transactional"])
    down = run_manage("db", "downgrade", head, "-d", directory, database_url=database.url)
    assert down.returncode == 0, down.stderr
    assert _manager_objects(database) == set()


@pytest.mark.parametrize(("edition", "online"), [("enterprise", " ONLINE"), ("standard", "")])
def test_oracle_script_of_the_helpers_follows_oracle_edition(
    tmp_path: Path, edition: str, online: str
) -> None:
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    directory = str(migrations_with(tmp_path, {"o001_manager.py": _helpers_revision(head)}))
    env = {"ORACLE_TARGET_VERSION": "19", "ORACLE_EDITION": edition}
    written = run_manage("db", "upgrade", f"{head}:o001", "--sql", "-d", directory, env=env)
    assert written.returncode == 0, written.stderr
    check_script(written.stdout)
    assert [line for line in written.stdout.splitlines() if line.startswith(("CREATE INDEX", "ALTER TABLE"))][
        :4
    ] == [
        "ALTER TABLE auth_user ADD manager_id INTEGER",
        f"CREATE INDEX ix_auth_user_manager_id ON auth_user (manager_id){online}",
        "ALTER TABLE auth_user ADD CONSTRAINT fk_auth_user_manager FOREIGN KEY(manager_id)"
        " REFERENCES auth_user (id) ENABLE NOVALIDATE",
        "ALTER TABLE auth_user MODIFY CONSTRAINT fk_auth_user_manager VALIDATE",
    ]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_concurrent_build_waits_out_a_writer_instead_of_leaving_an_invalid_index(
    database: Database, tmp_path: Path
) -> None:
    # CREATE INDEX CONCURRENTLY waits for every transaction that writes the table; a lock_timeout
    # there cancels it and leaves an INVALID index behind, so a retry fails ("already exists").
    # Its waits queue no application query (SHARE UPDATE EXCLUSIVE conflicts with no DML lock),
    # so it runs without the budget.
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    revision = f'''"""Test revision: an index on auth_user, built online."""
from alembic import op

revision = "o001"
down_revision = "{head}"


def upgrade():
    op.create_index_online("ix_auth_user_email_id", "auth_user", ["email", "id"])


def downgrade():
    op.drop_index_online("ix_auth_user_email_id", table_name="auth_user")
'''
    directory = str(migrations_with(tmp_path, {"o001_index.py": revision}))
    assert run_manage("db", "upgrade", head, "-d", directory, database_url=database.url).returncode == 0
    seed(database.url)
    engine = database.engine()
    try:
        with engine.connect() as writer:
            writer.exec_driver_sql("UPDATE auth_user SET email = email WHERE id = -1")  # open, writing
            release = threading.Timer(2.5, writer.rollback)
            release.start()
            ran = run_manage(
                "db", "upgrade", "-d", directory, "--lock-wait", "1", "--lock-retries", "2",
                database_url=database.url,
            )  # fmt: skip
            release.join()
    finally:
        engine.dispose()
    assert ran.returncode == 0, ran.stderr
    valid = query(
        database,
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE c.relname = 'ix_auth_user_email_id'",
    )
    assert [tuple(row) for row in valid] == [(True,)]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_the_budget_comes_back_after_a_concurrent_build(database: Database, tmp_path: Path) -> None:
    # the ALTER after the unbounded CREATE INDEX CONCURRENTLY waits at most the budget again: with a
    # reader in the way longer than budget and retries, the revision stops instead of waiting
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    revision = f'''"""Test revision: an index built online, then a column (ACCESS EXCLUSIVE)."""
import sqlalchemy as sa
from alembic import op

revision = "o001"
down_revision = "{head}"


def upgrade():
    op.create_index_online("ix_auth_user_email_id", "auth_user", ["email", "id"])
    op.add_column("auth_user", sa.Column("nickname", sa.String(40), nullable=True))


def downgrade():
    op.drop_column("auth_user", "nickname")
    op.drop_index_online("ix_auth_user_email_id", table_name="auth_user")
'''
    directory = str(migrations_with(tmp_path, {"o001_index.py": revision}))
    assert run_manage("db", "upgrade", head, "-d", directory, database_url=database.url).returncode == 0
    seed(database.url)
    with blocker(database.url) as (session, connection):
        release = threading.Timer(12, connection.rollback)
        release.start()
        began = time.monotonic()
        ran = run_manage(
            "db", "upgrade", "-d", directory, "--lock-wait", "1", "--lock-retries", "1",
            database_url=database.url,
        )  # fmt: skip
        took = time.monotonic() - began
        release.cancel()
    assert ran.returncode == 1, ran.stderr
    assert "gave up after 1 retries" in ran.stderr and f"blocked by session {session}" in ran.stderr
    assert took < 10, took
