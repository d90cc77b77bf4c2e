"""``python manage.py db lint`` as users run it: exit statuses, formats, default revisions, errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from support.cli import run_manage
from support.databases import PROJECT_REVISIONS, ROOT, Database
from support.lint_cases import case_directory

from oramigrate.lint import SCHEMA_PATH

FOREIGN = ROOT / "tests" / "support" / "lint_cases" / "foreign_batch"


def _one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_our_chain_lints_clean() -> None:
    result = run_manage("db", "lint", "--all")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "0004 acknowledged several-ddl-non-transactional: upgrade() sends 3 DDL statements that oracle "
        "commits one by one, changing existing objects",
        "    reason: two ADD COLUMNs on auth_user and a new table; `db upgrade` journals each statement on "
        "Oracle and MariaDB and resumes after the last one that committed",
        f"{len(PROJECT_REVISIONS)} revision(s) linted for oracle 11.2: 0 error(s), 0 warning(s), "
        "1 acknowledged",
    ]


def test_foreign_directory_with_batch_ops_as_json() -> None:
    result = run_manage(
        "db", "lint", "-d", str(FOREIGN), "--all", "--format", "json", "--target-version", "19"
    )
    assert result.returncode == 1
    assert (
        _one_line_error(result.stderr)
        == "Error: lint: 3 unacknowledged finding(s) in revision(s) 3f1c2a9b7d10, 8e4d0c7a2b55"
    )
    data = json.loads(result.stdout)
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert data["target"] == {"dialect": "oracle", "version": "19"}
    assert data["revisions"] == ["3f1c2a9b7d10", "8e4d0c7a2b55"]
    assert [(f["revision"], f["code"], f["table"], f["column"]) for f in data["findings"]] == [
        ("3f1c2a9b7d10", "integer-pk-without-generator", "posts", "id"),
        ("8e4d0c7a2b55", "drop-column", "posts", "summary"),
        ("8e4d0c7a2b55", "narrowing-type", "posts", "title"),
        ("8e4d0c7a2b55", "several-ddl-non-transactional", None, None),
    ]


def test_acknowledged_finding_shown_and_exit_zero(tmp_path: Path) -> None:
    directory = case_directory(
        tmp_path,
        'op.drop_column("users", "legacy")',
        'op.add_column("users", sa.Column("legacy", sa.String(20)))',
        'lint_allow = {"drop-column": "legacy replaced by orders.note in 0001"}',
    )
    result = run_manage("db", "lint", "-d", str(directory), "0002", "--dialect", "postgresql")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "0002 acknowledged drop-column: upgrade() drops column users.legacy",
        "    reason: legacy replaced by orders.note in 0001",
        "1 revision(s) linted for postgresql: 0 error(s), 0 warning(s), 1 acknowledged",
    ]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    both = run_manage("db", "lint", "--all", "0001")
    assert both.returncode == 2 and both.stderr.strip().endswith("Error: give revisions or --all, not both")
    not_migrations = run_manage("db", "lint", "-d", str(tmp_path), "--all")
    assert not_migrations.returncode == 2
    assert _one_line_error(not_migrations.stderr) == (
        f"Error: {tmp_path} is not an Alembic migration directory (no versions/ folder)"
    )
    unknown = run_manage("db", "lint", "0099")
    assert unknown.returncode == 2
    assert _one_line_error(unknown.stderr).startswith("Error: unknown revision '0099'")


def test_default_lints_what_the_database_has_not_applied(database: Database) -> None:
    fresh = run_manage("db", "lint", database_url=database.url)
    assert (fresh.returncode, fresh.stderr) == (0, "")
    assert fresh.stdout.splitlines()[-1].startswith(f"{len(PROJECT_REVISIONS)} revision(s) linted")
    assert run_manage("db", "upgrade", "0001", database_url=database.url).returncode == 0
    pending = run_manage("db", "lint", "--format", "json", database_url=database.url)
    assert pending.returncode == 0, pending.stderr
    assert json.loads(pending.stdout)["revisions"] == PROJECT_REVISIONS[1:]


def test_unreachable_database_says_pass_all() -> None:
    url = "postgresql+psycopg://app:s3cret-pw@127.0.0.1:9/app"
    result = run_manage("db", "lint", database_url=url)
    assert result.returncode == 1
    line = _one_line_error(result.stderr)
    assert line.startswith(
        "Error: cannot read the applied revisions from postgresql+psycopg://app:***@127.0.0.1:9/app"
    )
    assert line.endswith("pass --all or revision ids to lint without a database")
    assert "s3cret-pw" not in result.stderr + result.stdout
