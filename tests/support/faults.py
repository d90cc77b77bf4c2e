"""Fault injection for the deploy tests: a five-statement revision, a big table, kills and snapshots.

The revision (0013) creates a table, builds an index on a big table (the long DDL), creates a
table that fails while the test keeps one of that name, inserts one row (the DML) and adds a
column. Between statements it stops where ``DEPLOY_TEST_STOP_AT`` says: it writes the marker file
and waits until the test deletes it, so the test can kill or signal the runner at an exact statement boundary.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from support.databases import Database
from support.deploy import DEPLOY_TABLES, start_manage

STOP_SETTING, MARKER_SETTING = "DEPLOY_TEST_STOP_AT", "DEPLOY_TEST_MARKER"
BIG_ROWS = 250_000  # about a second of index build here: long enough to kill it midway
LONG_DDL = "CREATE INDEX ix_deploy_big_payload"
INDEX = '    op.create_index("ix_deploy_big_payload", "deploy_big", ["payload"])'
RAW_INDEX = '    op.execute("CREATE INDEX ix_deploy_big_payload ON deploy_big (payload)")'

FIVE_STATEMENTS = '''"""Fault injection: five statements, a long DDL, a DML insert, one failing on demand."""
import os
import time
from pathlib import Path

from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"
branch_labels = None
depends_on = None


def _stop(point):
    # the test's fault injection: say where we are, then wait to be killed or signalled
    if op.get_context().as_sql or os.environ.get("DEPLOY_TEST_STOP_AT") != point:
        return
    marker = Path(os.environ["DEPLOY_TEST_MARKER"])
    marker.write_text(point)
    deadline = time.monotonic() + 60
    while marker.exists() and time.monotonic() < deadline:  # the test deletes it to let us go on
        time.sleep(0.05)


def upgrade():
    _stop("before-1")
    op.create_table(
        "deploy_probe_a",
        sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True),
        sa.Column("note", sa.String(20), nullable=True),
    )
    _stop("after-1")
INDEX_STATEMENT
    _stop("after-2")
    op.create_table("deploy_probe_b", sa.Column("id", sa.Integer(), autoincrement=False, primary_key=True))
    _stop("after-3")
    op.execute("INSERT INTO deploy_probe_a (id, note) VALUES (1, 'once')")
    _stop("after-4")
    op.add_column("deploy_probe_a", sa.Column("extra", sa.String(20), nullable=True))
    _stop("after-5")


def downgrade():
    op.drop_column("deploy_probe_a", "extra")
    op.execute("DELETE FROM deploy_probe_a WHERE id = 1")
    op.drop_table("deploy_probe_b")
    op.drop_index("ix_deploy_big_payload", table_name="deploy_big")
    op.drop_table("deploy_probe_a")
'''


def revision_source(raw_index: bool = False) -> str:
    """The five-statement revision; ``raw_index``: the long DDL as raw SQL (the catalog cannot judge it)."""
    return FIVE_STATEMENTS.replace("INDEX_STATEMENT", RAW_INDEX if raw_index else INDEX)


def execute(database: Database, *statements: str) -> None:
    """Run statements in one transaction on a short connection."""
    engine = database.engine()
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def make_big_table(database: Database, rows: int) -> None:
    """``deploy_big`` with ``rows`` rows, made server-side (the long DDL indexes it)."""
    if database.backend == "mariadb":
        fill = f"SELECT seq, REPEAT(MD5(seq), 3) FROM seq_1_to_{rows}"
    else:
        fill = f"SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, {rows}) g"
    execute(
        database,
        "CREATE TABLE deploy_big (id INTEGER NOT NULL PRIMARY KEY, payload VARCHAR(100))",
        f"INSERT INTO deploy_big (id, payload) {fill}",
    )


def snapshot(database: Database) -> dict[str, Any]:
    """The schema as the inspector sees it (the tool's own tables left out)."""
    engine = database.engine()
    try:
        inspector = sa.inspect(engine)
        found: dict[str, Any] = {}
        for table in sorted(set(inspector.get_table_names()) - DEPLOY_TABLES):
            found[table] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
                "foreign_keys": sorted(
                    (fk["name"], fk["referred_table"]) for fk in inspector.get_foreign_keys(table)
                ),
            }
        return found
    finally:
        engine.dispose()


def start_runner(
    database: Database, directory: Path, tmp_path: Path, stop_at: str | None = None, **env: str
) -> subprocess.Popen[str]:
    """``db upgrade`` in a process of its own, stopping at ``stop_at`` (see the revision)."""
    settings = dict(env)
    if stop_at is not None:
        settings.update({STOP_SETTING: stop_at, MARKER_SETTING: str(tmp_path / "marker")})
    return start_manage("db", "upgrade", "-d", str(directory), database_url=database.url, **settings)


def wait_until(condition: Any, what: str, runner: subprocess.Popen[str], timeout: float = 60.0) -> Any:
    """Poll until ``condition()`` is truthy; fail naming ``what`` (with the runner's output if it ended)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if runner.poll() is not None:
            _out, err = runner.communicate()
            raise AssertionError(f"the runner ended (exit {runner.returncode}) before {what}: {err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _admin_query(database: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = database.engine()
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def session_running(database: Database, prefix: str) -> int | None:
    """The server id of the session running a statement that starts with ``prefix`` (None if none)."""
    if database.backend == "mariadb":
        rows = _admin_query(
            database,
            "SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE :p",
            p=prefix + "%",
        )
    else:
        rows = _admin_query(
            database,
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE :p"
            " AND state = 'active' AND pid <> pg_backend_pid()",
            p=prefix + "%",
        )
    return int(rows[0][0]) if rows else None


def lock_session(database: Database) -> int:
    """The server id of the session that holds the migration lock."""
    if database.backend == "mariadb":
        name = f"oramigrate:{sa.make_url(database.url).database}:alembic_version"
        return int(_admin_query(database, "SELECT IS_USED_LOCK(:name)", name=name)[0][0])
    rows = _admin_query(
        database,
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    return int(rows[0][0])


def kill_session(database: Database, session: int) -> None:
    """End a server session (KILL / pg_terminate_backend), as an operator or a proxy would."""
    if database.backend == "mariadb":
        execute(database, f"KILL {session}")
    else:
        _admin_query(database, "SELECT pg_terminate_backend(:pid)", pid=session)


def session_alive(database: Database, session: int) -> bool:
    """Whether a server session is still there."""
    if database.backend == "mariadb":
        return bool(
            _admin_query(database, "SELECT 1 FROM information_schema.processlist WHERE id = :i", i=session)
        )
    return bool(_admin_query(database, "SELECT 1 FROM pg_stat_activity WHERE pid = :i", i=session))
