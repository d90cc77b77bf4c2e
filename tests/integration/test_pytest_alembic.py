"""pytest-alembic's built-in tests on our chain, on SQLite, PostgreSQL and MariaDB.

pytest-alembic's functions raise AlembicTestFailure when their check fails; each test here also
asserts where the run left the database. They hand env.py a connection through
``config.attributes["connection"]`` and the models' metadata through
``config.attributes["target_metadata"]`` (the Alembic cookbook's conventions): our env.py must use
both, as a user's suite would run them (README, "Test your chain with pytest-alembic").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytest_alembic import Config as PytestAlembicConfig
from pytest_alembic import MigrationContext, runner
from pytest_alembic.tests import default
from support.cli import TEST_SECRETS
from support.databases import BACKENDS, PROJECT_HEAD, ROOT, fresh_database

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pytest_alembic")


@pytest.fixture(params=BACKENDS)
def alembic_runner(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MigrationContext]:
    """pytest-alembic's runner on a fresh database, inside our app (its env.py reads the app)."""
    from webapp import create_app

    with fresh_database(request.param, tmp_path) as database:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, **TEST_SECRETS}, web=False)
        engine = sa.create_engine(database.url)
        with app.app_context():
            from models import db

            options = PytestAlembicConfig.from_raw_config(
                {
                    "file": str(ROOT / "migrations" / "alembic.ini"),
                    "script_location": str(ROOT / "migrations"),
                    "target_metadata": db.metadata,
                }
            )
            with runner(config=options, engine=engine) as context:
                yield context
            app.extensions["sqlalchemy"].engines[None].dispose()
        engine.dispose()


def test_single_head_revision(alembic_runner: MigrationContext) -> None:
    """The chain has one head."""
    default.test_single_head_revision(alembic_runner)
    assert alembic_runner.heads == [PROJECT_HEAD]


def test_upgrade(alembic_runner: MigrationContext) -> None:
    """Every revision upgrades from base to head."""
    default.test_upgrade(alembic_runner)
    assert alembic_runner.current == PROJECT_HEAD


def test_model_definitions_match_ddl(alembic_runner: MigrationContext) -> None:
    """At head, autogenerate finds nothing: the models and the chain agree."""
    default.test_model_definitions_match_ddl(alembic_runner)
    assert alembic_runner.current == PROJECT_HEAD  # it compared the models with the schema at head


def test_up_down_consistency(alembic_runner: MigrationContext) -> None:
    """Every revision downgrades back to base."""
    default.test_up_down_consistency(alembic_runner)


# the test rolls back to a savepoint around DDL; MariaDB commits each DDL statement, savepoints too,
# so it cannot run there (up/down consistency and the fault suite cover MariaDB's downgrades)
@pytest.mark.parametrize("alembic_runner", ["sqlite", "postgresql"], indirect=True)
def test_downgrade_leaves_no_trace(alembic_runner: MigrationContext) -> None:
    """Each revision's downgrade leaves the schema as it found it (needs the caller's connection)."""
    from pytest_alembic.tests.experimental import downgrade_leaves_no_trace

    downgrade_leaves_no_trace.test_downgrade_leaves_no_trace(alembic_runner)
