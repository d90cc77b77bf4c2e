"""An app's own migrations with an older Flask-Migrate env.py, through our commands.

The app (``support/example_app``) keeps its database URI as a SQLAlchemy ``URL`` object, which the
old env.py copies into ``sqlalchemy.url``. ``db lint``, ``db upgrade --sql`` and ``db verify`` work;
``db upgrade`` is refused with one line before anything is written.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner
from support.packaging import EXAMPLE_APP

# Flask-Migrate 2.x's env.py, as generated then (trimmed of comments)
OLD_ENV = """import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
logger = logging.getLogger('alembic.env')
config.set_main_option('sqlalchemy.url', current_app.config.get('SQLALCHEMY_DATABASE_URI'))
target_metadata = current_app.extensions['migrate'].db.metadata


def run_migrations_offline():
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = current_app.extensions['migrate'].db.engine
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          **current_app.extensions['migrate'].configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""


@pytest.fixture
def foreign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FlaskCliRunner, Path, str]]:
    """The example app, its migrations with the old env.py, an empty SQLite database."""
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(OLD_ENV)
    shutil.copy(
        Path(__file__).resolve().parents[2] / "oramigrate/templates/oracle-safe/script.py.mako", migrations
    )
    for revision in (EXAMPLE_APP / "versions").glob("d00*.py"):
        shutil.copy(revision, migrations / "versions" / revision.name)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("EXAMPLE_DATABASE_URL", url)
    monkeypatch.syspath_prepend(str(EXAMPLE_APP))
    import example

    app = example.create_app()
    yield app.test_cli_runner(), migrations, url
    with app.app_context():
        example.db.engine.dispose()
    sys.modules.pop("example", None)


def test_old_env_py_lint_sql_and_verify_work(foreign: tuple[FlaskCliRunner, Path, str]) -> None:
    """The read-only commands and the offline script need nothing of env.py but what it does."""
    runner, migrations, url = foreign
    linted = runner.invoke(args=["db", "-d", str(migrations), "lint", "--all"])
    assert (linted.exit_code, linted.output.splitlines()[-1]) == (
        0, "3 revision(s) linted for oracle 19: 0 error(s), 0 warning(s), 0 acknowledged"
    )  # fmt: skip
    script = runner.invoke(args=["db", "-d", str(migrations), "upgrade", "--sql"])
    assert script.exit_code == 0, script.output
    assert "CREATE INDEX ix_items_price ON items (price);" in script.stdout
    verified = runner.invoke(args=["db", "-d", str(migrations), "verify"])
    assert (verified.exit_code, verified.stdout) == (0, "0 applied revisions match their files\n")
    engine = sa.create_engine(url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_old_env_py_upgrade_is_refused_before_anything_is_written(
    foreign: tuple[FlaskCliRunner, Path, str],
) -> None:
    """A locked run through a foreign env.py would leave no history: one line, no table made."""
    runner, migrations, url = foreign
    refused = runner.invoke(args=["db", "-d", str(migrations), "upgrade"])
    assert (refused.exit_code, refused.stderr) == (
        2,
        f"Error: {migrations / 'env.py'} does not call oramigrate.environment.run, so revisions would run"
        " without history, journal or lint gate: replace it with the env.py `flask db init` writes"
        " (db lint, db verify and db upgrade --sql work with it as it is)\n",
    )
    engine = sa.create_engine(url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
