"""Flask-Migrate's multi-database mode (``db init --multidb``, ``SQLALCHEMY_BINDS``) through our commands.

The app (``support/multidb_app``) keeps accounts in its default bind and audit events in an ``audit``
bind, each on a database of its own: two SQLite files, or PostgreSQL and MariaDB. One chain of
revisions, each with a part per bind (``upgrade_()``, ``upgrade_audit()``). Every bind has its own
version table, lock, history and journal on its own database, and the lint gate judges each bind's
part. A command takes every bind's lock before it writes anything (binds.py says why).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from support.databases import Database, fresh_database
from support.multidb_app.multidb import create_app, db

from oramigrate.deploy import tables as deploy_tables
from oramigrate.deploy.lock import MigrationLock

APP = Path(__file__).resolve().parent.parent / "support" / "multidb_app"
PAIRS = [("sqlite", "sqlite"), ("postgresql", "mariadb")]
_LOGGERS = ("", "alembic", "flask_migrate", "sqlalchemy", "oramigrate")


@dataclass
class MultiDb:
    """The app, its two databases and its migrations directory."""

    app: Flask
    default: Database
    audit: Database
    directory: Path

    def run(self, *args: str) -> tuple[int, str, str]:
        """``flask db ARGS`` in this process (the app's own CLI, as its user runs it)."""
        saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in _LOGGERS}
        try:
            result = self.app.test_cli_runner().invoke(args=["db", *args])
        finally:
            for name, (handlers, level) in saved.items():
                logging.getLogger(name).handlers[:] = handlers
                logging.getLogger(name).setLevel(level)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result.exit_code, result.stdout, result.stderr


def _query(database: Database, sql: str) -> list[tuple[object, ...]]:
    engine = database.engine()
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def _history(database: Database) -> list[tuple[object, ...]]:
    return _query(database, "SELECT revision, direction, outcome FROM migration_history ORDER BY id")


def _version(database: Database) -> list[tuple[object, ...]]:
    return _query(database, "SELECT version_num FROM alembic_version")


@pytest.fixture(params=PAIRS, ids=["-".join(pair) for pair in PAIRS])
def multidb(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MultiDb]:
    """The app on two fresh databases, its migrations made by ``db init --multidb`` plus its revisions."""
    default_backend, audit_backend = request.param
    with ExitStack() as stack:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        default = stack.enter_context(fresh_database(default_backend, tmp_path / "a"))
        audit = stack.enter_context(fresh_database(audit_backend, tmp_path / "b"))
        directory = tmp_path / "migrations"
        app = create_app(default.url, audit.url, str(directory))
        found = MultiDb(app, default, audit, directory)
        code, _out, err = found.run("init", "--multidb")
        assert code == 0, err
        for revision in sorted((APP / "versions").glob("m*.py")):
            shutil.copy(revision, directory / "versions" / revision.name)
        try:
            yield found
        finally:
            with app.app_context():
                for engine in db.engines.values():
                    engine.dispose()


def test_init_multidb_writes_the_per_bind_environment(tmp_path: Path) -> None:
    """``db init --multidb`` writes our multi-database env.py (run_binds) and Flask-Migrate's per-bind
    revision template, not Flask-Migrate's own env.py (no lock, history, journal or gate)."""
    app = create_app("sqlite://", "sqlite://", str(tmp_path / "migrations"))
    assert app.test_cli_runner().invoke(args=["db", "init", "--multidb"]).exit_code == 0
    env = (tmp_path / "migrations" / "env.py").read_text()
    assert "run_binds(binds_of(current_app)" in env
    template = (tmp_path / "migrations" / "script.py.mako").read_text()
    assert 'def upgrade(engine_name):\n    globals()[f"upgrade_{engine_name}"]()' in template


def test_upgrade_lint_status_and_downgrade_run_per_bind(multidb: MultiDb) -> None:
    """Each bind is migrated on its own database with its own version table and its own history rows;
    ``db lint`` judges each bind's part; ``db status --json`` reports each bind; downgrade works."""
    code, out, err = multidb.run("upgrade")
    assert (code, err) == (0, "")
    assert _version(multidb.default) == [("m002",)] and _version(multidb.audit) == [("m002",)]
    assert "accounts" in multidb.default.tables() and "events" not in multidb.default.tables()
    assert "events" in multidb.audit.tables() and "accounts" not in multidb.audit.tables()
    applied = [("m001", "upgrade", "success"), ("m002", "upgrade", "success")]
    assert _history(multidb.default) == applied
    assert _history(multidb.audit) == applied  # without per-bind history the audit bind has none

    code, out, err = multidb.run("lint", "--all")
    assert code == 0, err
    assert [line for line in out.splitlines() if "linted" in line] == [
        "2 revision(s) linted for oracle 19, bind (default): 0 error(s), 0 warning(s), 0 acknowledged",
        "2 revision(s) linted for oracle 19, bind audit: 0 error(s), 0 warning(s), 0 acknowledged",
    ]

    code, out, err = multidb.run("status", "--json")
    assert code == 0, err
    at_head = {
        "current": ["m002"], "heads": ["m002"], "pending": [],
        "lock": {"held": False, "holder": None, "running": []}, "abandoned": [], "migration": None,
        "journal": [],
    }  # fmt: skip
    assert json.loads(out) == {"binds": {"": at_head, "audit": at_head}}

    code, out, err = multidb.run("downgrade", "m001")
    assert (code, err) == (0, "")
    assert _version(multidb.default) == [("m001",)] and _version(multidb.audit) == [("m001",)]
    reverted = [*applied, ("m002", "downgrade", "success")]
    assert _history(multidb.default) == reverted and _history(multidb.audit) == reverted
    code, out, err = multidb.run("status")
    assert out.splitlines() == [
        "bind (default):", "  current: m001", "  pending: 1 revisions (m002)", "  lock: free",
        "bind audit:", "  current: m001", "  pending: 1 revisions (m002)", "  lock: free",
    ]  # fmt: skip


def test_a_held_lock_on_one_bind_keeps_every_bind_unchanged(multidb: MultiDb) -> None:
    """A runner holding the audit bind's lock makes ``db upgrade`` wait, then stop, before it changes
    any bind, the default one (whose lock was free) included: binds never end at revisions no runner
    chose. Once the lock is free, the upgrade runs."""
    code, _out, err = multidb.run("upgrade", "m001")
    assert (code, err) == (0, "")
    engine = multidb.audit.engine()
    lock = MigrationLock(engine, deploy_tables.build("migration_history", "alembic_version"))
    try:
        lock.acquire(time.monotonic() + 5, 5, lambda _holder: None)
        code, _out, err = multidb.run("upgrade", "--lock-timeout", "1")
        assert code == 1
        # the wait budget is one for all binds: the audit bind gets what the default bind left of it
        assert re.match(r"bind audit: waiting up to (1|0\.\d) s for the migration lock held by ", err)
        last = err.splitlines()[-1]
        assert last.startswith("Error: migration lock of bind audit still held by ")
        assert last.endswith(" after waiting 1 s; nothing was run")
        assert _version(multidb.default) == [("m001",)] and _version(multidb.audit) == [("m001",)]
        assert _history(multidb.default) == [("m001", "upgrade", "success")]
    finally:
        lock.release()
        engine.dispose()
    code, _out, err = multidb.run("upgrade")
    assert (code, err) == (0, "")
    assert _version(multidb.default) == [("m002",)] and _version(multidb.audit) == [("m002",)]


DROPS_AUDIT_COLUMN = '''"""drops events.kind (audit bind) and adds accounts.note (default bind)"""

import sqlalchemy as sa
from alembic import op

revision = "m003"
down_revision = "m002"
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name):
    globals()[f"downgrade_{engine_name}"]()


def upgrade_():
    op.add_column("accounts", sa.Column("note", sa.String(length=200), nullable=True))


def downgrade_():
    op.drop_column("accounts", "note")


def upgrade_audit():
    op.drop_column("events", "kind")


def downgrade_audit():
    op.add_column("events", sa.Column("kind", sa.String(length=20), nullable=True))
'''


def test_the_gate_judges_each_bind_before_any_bind_runs(multidb: MultiDb) -> None:
    """An unacknowledged lint error in one bind's part stops the upgrade before any bind changes."""
    assert multidb.run("upgrade")[0] == 0
    (multidb.directory / "versions" / "m003_drop_kind.py").write_text(DROPS_AUDIT_COLUMN)
    code, _out, err = multidb.run("upgrade")
    assert code == 1
    assert err.splitlines()[:2] == [
        "Error: refusing to upgrade bind audit: 1 unacknowledged lint error(s):",
        "  m003 drop-column: upgrade() drops column events.kind",
    ]
    assert _version(multidb.default) == [("m002",)] and _version(multidb.audit) == [("m002",)]


def test_journal_commands_name_their_bind(multidb: MultiDb) -> None:
    """``db journal show`` lists each bind's journal; resolve and clear act on the bind ``--bind`` names."""
    assert multidb.run("upgrade")[0] == 0
    code, out, _err = multidb.run("journal", "show")
    assert (code, out.splitlines()) == (
        0,
        ["bind (default):", "  journal: empty", "bind audit:", "  journal: empty"],
    )
    code, _out, err = multidb.run("journal", "resolve", "m002", "--applied")
    assert (code, err) == (2, "Error: give --bind, one of '', 'audit'\n")
    # the audit bind's journal is asked (empty after a clean run): nothing to clear there
    code, _out, err = multidb.run("journal", "clear", "m002", "--bind", "audit")
    assert (code, err) == (1, "Error: revision m002 has no journal rows (`db journal show`)\n")
    code, _out, err = multidb.run("journal", "clear", "m002", "--bind", "reports")
    assert (code, err) == (2, "Error: give --bind, one of '', 'audit', not 'reports'\n")


def test_upgrade_sql_writes_each_binds_script(multidb: MultiDb) -> None:
    """``db upgrade --sql``: each bind's part of each revision, the default bind's script first; the gate
    judges each bind's part (a revision taking ``engine_name`` is not 'not-analysable'); nothing is run."""
    code, out, err = multidb.run("upgrade", "--sql", "--dialect", "postgresql")
    assert code == 0, err
    statements = [
        "CREATE TABLE accounts", "ALTER TABLE accounts ADD COLUMN email",
        "CREATE TABLE events", "ALTER TABLE events ADD COLUMN kind",
    ]  # fmt: skip
    assert [out.count(statement) for statement in statements] == [1, 1, 1, 1]
    assert [out.index(statement) for statement in statements] == sorted(out.index(s) for s in statements)
    assert "alembic_version" not in multidb.default.tables() | multidb.audit.tables()


# SQLite only: on PostgreSQL an identity column stops autogenerate in Alembic's user server-default
# comparison ('Identity' object has no attribute 'arg', sqlalchemy/alembic#775), one database or many
@pytest.mark.parametrize("multidb", [PAIRS[0]], indirect=True, ids=["sqlite-sqlite"])
def test_migrate_writes_each_binds_changes_into_its_own_functions(multidb: MultiDb) -> None:
    """``db migrate`` compares each bind's models with its own database; the revision gets an
    ``upgrade_<bind>()`` per bind (Flask-Migrate's layout), rewritten by our autogenerate rules."""
    (multidb.directory / "versions" / "m002_email_kind.py").unlink()
    assert multidb.run("upgrade")[0] == 0
    code, _out, err = multidb.run("migrate", "-m", "email and kind")
    assert code == 0, err
    [written] = [p for p in (multidb.directory / "versions").glob("*.py") if not p.name.startswith("m00")]
    source = written.read_text()
    default_part = source[source.index("def upgrade_():") : source.index("def downgrade_():")]
    audit_part = source[source.index("def upgrade_audit():") : source.index("def downgrade_audit():")]
    assert 'sa.Column("email", sa.String(length=200), nullable=True)' in default_part
    assert "kind" not in default_part
    assert 'sa.Column("kind", sa.String(length=20), nullable=True)' in audit_part
    assert "email" not in audit_part
