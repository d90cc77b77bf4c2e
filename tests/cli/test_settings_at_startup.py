"""The safety layer's settings are read once when the app is made, checked loudly, and overridable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import TEST_SECRETS, run_manage

from oramigrate.configuration import Settings
from oramigrate.errors import ConfigurationError


def test_defaults() -> None:
    assert Settings.from_mapping({}) == Settings(None, "migration_history", 300.0)
    assert Settings.from_mapping({}).oracle_version == (11, 2)


def test_test_config_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp import create_app

    monkeypatch.setenv("MIGRATION_HISTORY_TABLE", "from_env")
    monkeypatch.setenv("ORACLE_TARGET_VERSION", "19")
    app = create_app(
        {**TEST_SECRETS, "MIGRATION_HISTORY_TABLE": "from_test", "MIGRATION_LOCK_TIMEOUT": 5}, web=False
    )
    assert app.extensions["oramigrate"] == Settings((19,), "from_test", 5.0)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "MIGRATION_HISTORY_TABLE",
            "Audit Log",
            "MIGRATION_HISTORY_TABLE must be lowercase letters, digits and _, starting with a letter, "
            "at most 22 characters (the journal table adds '_journal'), not 'Audit Log'",
        ),
        ("MIGRATION_LOCK_TIMEOUT", "soon", "MIGRATION_LOCK_TIMEOUT must be a number of seconds, not 'soon'"),
        ("MIGRATION_LOCK_TIMEOUT", "-1", "MIGRATION_LOCK_TIMEOUT must be 0 or more seconds, not '-1'"),
        ("MIGRATION_LOCK_TIMEOUT", "nan", "MIGRATION_LOCK_TIMEOUT must be 0 or more seconds, not 'nan'"),
        (
            "ORACLE_TARGET_VERSION",
            "xe",
            "ORACLE_TARGET_VERSION must look like 11.2, 12.1, 19, 21 or 23, not 'xe'",
        ),
        (
            "ORACLE_EDITION",
            "SE2",
            "ORACLE_EDITION must be one of enterprise, standard, express, free, not 'SE2'",
        ),
    ],
)
def test_a_bad_setting_stops_every_db_command_at_start(
    name: str, value: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_mapping({name: value})
    assert str(raised.value) == message
    # `db current` reads none of them: it still refuses, because the app refuses to start
    result = run_manage("db", "current", database_url=f"sqlite:///{tmp_path / 'app.db'}", env={name: value})
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")
    assert not (tmp_path / "app.db").exists()


@pytest.mark.parametrize(
    ("edition", "codes"), [("", []), ("standard", []), ("enterprise", ["index-locks-writes"])]
)
def test_oracle_edition_reaches_db_lint(edition: str, codes: list[str]) -> None:
    # 0003 builds an index on an existing table without ONLINE
    result = run_manage("db", "lint", "0003", "--format", "json", env={"ORACLE_EDITION": edition})
    assert result.returncode == 0, result.stderr
    assert [finding["code"] for finding in json.loads(result.stdout)["findings"]] == codes


def test_oracle_edition_from_the_flask_config_reaches_the_helpers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic.script import ScriptDirectory
    from support.cli import migrations_with
    from support.databases import ROOT

    from webapp import create_app

    monkeypatch.delenv("ORACLE_EDITION", raising=False)
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    revision = f"""from alembic import op

revision = "o001"
down_revision = "{head}"


def upgrade():
    op.create_index_online("ix_auth_user_email_id", "auth_user", ["email", "id"])


def downgrade():
    op.drop_index_online("ix_auth_user_email_id", table_name="auth_user")
"""
    directory = migrations_with(tmp_path, {"o001_index.py": revision})
    config = {
        "ORACLE_TARGET_VERSION": "19",
        "ORACLE_EDITION": "enterprise",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }
    app = create_app({**TEST_SECRETS, **config}, web=False)
    result = app.test_cli_runner().invoke(
        args=["db", "upgrade", f"{head}:o001", "--sql", "-d", str(directory)]
    )
    assert result.exit_code == 0, result.output
    assert "CREATE INDEX ix_auth_user_email_id ON auth_user (email, id) ONLINE" in result.output.splitlines()
