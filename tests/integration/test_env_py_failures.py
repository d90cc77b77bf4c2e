"""An env.py that parses but fails (it raises, it imports a module that is not there), through the real CLI.

Every command that runs env.py says so in one ``Error:`` line naming the file and the exception, and
writes nothing: not even the tool's own tables (the lock, history and journal tables), which a
locked command creates only once env.py has reached ``run()``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from support.cli import migrations_with, run_manage
from support.databases import Database
from support.deploy import DEPLOY_TABLES

FAILURES = {
    "raises": ('raise RuntimeError("boom")\n', "RuntimeError: boom"),
    "imports a missing module": (
        "import no_such_module_here  # noqa: F401\n",
        "ModuleNotFoundError: No module named 'no_such_module_here'",
    ),
}
WRITES = [("upgrade",), ("stamp", "head"), ("downgrade", "base")]
READS = [
    ("current",),
    ("history", "--indicate-current"),
    ("history", "-r", "current:"),
    ("show", "current"),
    ("check",),
]


def _failing_env(tmp_path: Path, line: str) -> Path:
    directory = migrations_with(tmp_path)
    env = directory / "env.py"
    source = env.read_text(encoding="utf-8")
    anchor = "from oramigrate.environment import run\n"
    env.write_text(source.replace(anchor, anchor + "\n" + line), encoding="utf-8")
    return directory


def _one_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def _snapshot(database: Database) -> dict[str, list[tuple[object, ...]]]:
    # every table with its rows: what "nothing written" is compared on
    engine = database.engine()
    try:
        with engine.connect() as connection:
            return {
                name: sorted(tuple(row) for row in connection.execute(sa.text(f"SELECT * FROM {name}")))
                for name in sorted(sa.inspect(connection).get_table_names())
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_a_failing_env_py_writes_nothing_not_even_the_tools_tables(
    database: Database, failure: str, tmp_path: Path
) -> None:
    line, exception = FAILURES[failure]
    directory = _failing_env(tmp_path, line)
    expected = f"Error: the migration environment {directory / 'env.py'} failed: {exception}"
    for command in [*WRITES, *READS]:
        result = run_manage("db", "-d", str(directory), *command, database_url=database.url)
        assert result.returncode == 2, (command, result.stderr)
        assert _one_error(result.stderr) == expected, command
        assert database.tables() == set(), command


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_a_failing_env_py_leaves_a_migrated_database_as_it_was(database: Database, tmp_path: Path) -> None:
    assert run_manage("db", "upgrade", database_url=database.url).returncode == 0
    assert DEPLOY_TABLES <= database.tables()
    before = _snapshot(database)
    directory = _failing_env(tmp_path, FAILURES["raises"][0])
    for command in [*WRITES, ("journal", "show"), *READS]:
        result = run_manage("db", "-d", str(directory), *command, database_url=database.url)
        if command == ("journal", "show"):  # reads the journal table only: env.py is not run
            assert result.returncode == 0, result.stderr
            continue
        assert _one_error(result.stderr).endswith("env.py failed: RuntimeError: boom"), command
        assert _snapshot(database) == before, command


@pytest.mark.parametrize("database", ["sqlite", "mariadb"], indirect=True)
def test_a_baseline_through_a_failing_env_py_writes_nothing(database: Database, tmp_path: Path) -> None:
    # a schema the models match, never versioned: baseline takes the lock, then stamps through env.py
    assert run_manage("db", "upgrade", database_url=database.url).returncode == 0
    engine = database.engine()
    with engine.begin() as connection:
        for table in sorted(DEPLOY_TABLES | {"alembic_version"}):
            connection.execute(sa.text(f"DROP TABLE {table}"))
    engine.dispose()
    before = _snapshot(database)
    directory = _failing_env(tmp_path, FAILURES["raises"][0])
    result = run_manage("db", "-d", str(directory), "baseline", database_url=database.url)
    assert result.returncode == 2, result.stderr
    assert _one_error(result.stderr) == (
        f"Error: the migration environment {directory / 'env.py'} failed: RuntimeError: boom"
    )
    assert _snapshot(database) == before
