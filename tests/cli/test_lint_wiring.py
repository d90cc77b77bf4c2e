"""The lint's library pieces reach the CLI: db migrate writes what the user confirmed, --sql refuses
a revision it cannot write, and --stub-imports lints a chain whose application is not installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from support.cli import migrations_with, run_manage

READS_ROWS = '''"""reads a row to decide"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "__project_head__"


def upgrade():
    count = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM auth_user")).scalar()
    if count:
        op.execute("UPDATE auth_user SET last_name = 'x' WHERE last_name IS NULL")


def downgrade():
    pass
'''
IMPORTS_APP = '''"""uses the application's enum"""
from alembic import op
import sqlalchemy as sa
from myapp.models import Status

revision = "0013"
down_revision = "__project_head__"


def upgrade():
    op.add_column("auth_user", sa.Column("status", sa.String(Status.LENGTH)))


def downgrade():
    op.drop_column("auth_user", "status")
'''


def test_allow_drop_needs_a_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = run_manage("db", "migrate", "-m", "drop", "--allow-drop", "auth_user.nickname", database_url=url)
    assert result.returncode == 2
    assert "--allow-drop and --rename need --reason" in result.stderr


def test_migrate_writes_the_confirmed_drop_into_lint_allow_and_upgrade_applies_it(tmp_path: Path) -> None:
    directory = migrations_with(tmp_path)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_manage("db", "-d", str(directory), "upgrade", database_url=url).returncode == 0
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # a column the models no longer have
        connection.exec_driver_sql("ALTER TABLE auth_user ADD COLUMN nickname VARCHAR(20)")
    made = run_manage(
        "db", "-d", str(directory), "migrate", "-m", "drop nickname",
        "--allow-drop", "auth_user.nickname", "--reason", "nicknames moved to profiles",
        database_url=url,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    (script,) = (directory / "versions").glob("*_drop_nickname.py")
    assert 'lint_allow = {\n    "drop-column": "nicknames moved to profiles",\n}\n' in script.read_text()
    # still what ruff format writes: the revision passes the project's own format check
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", str(script)], capture_output=True, text=True
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    assert "0 error(s)" in made.stdout and "1 acknowledged" in made.stdout
    applied = run_manage("db", "-d", str(directory), "upgrade", database_url=url)
    assert applied.returncode == 0, applied.stderr
    assert "nickname" not in {c["name"] for c in sa.inspect(engine).get_columns("auth_user")}
    engine.dispose()


def test_sql_refuses_a_revision_that_reads_rows_with_one_line_and_no_output(tmp_path: Path) -> None:
    directory = migrations_with(tmp_path, {"0013_reads.py": READS_ROWS})
    result = run_manage(
        "db", "-d", str(directory), "upgrade", "--sql", "--allow-unsafe", env={"ORACLE_TARGET_VERSION": "19"}
    )
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert line.startswith("Error: revision 0013 cannot be written as SQL offline: ")
    assert "reads rows from the database" in line and "Traceback" not in result.stderr


def test_stub_imports_lints_a_chain_whose_application_is_missing(tmp_path: Path) -> None:
    directory = migrations_with(tmp_path, {"0013_status.py": IMPORTS_APP})
    plain = run_manage("db", "lint", "-d", str(directory), "--all", "--format", "json")
    assert plain.returncode == 1
    assert '"not-analysable"' in plain.stdout and "myapp" in plain.stdout
    stubbed = run_manage("db", "lint", "-d", str(directory), "--all", "--stub-imports", "--format", "json")
    assert '"not-analysable"' not in stubbed.stdout
    assert '"stand-in-imports"' in stubbed.stdout
