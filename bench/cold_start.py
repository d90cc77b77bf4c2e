"""Cold start: ``manage.py --help`` vs ``alembic --help``; ``manage.py db current`` vs ``alembic current``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench.harness import ROOT, Comparison, compare, run_once
from bench.workspace import FLASK, bare_flask_migrations, raw_alembic_ini

ALEMBIC = str(Path(sys.executable).with_name("alembic"))
MANAGE = [sys.executable, str(ROOT / "manage.py")]
SECRETS = {
    "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
    "SECURITY_PASSWORD_SALT": "bench-salt-0123456789abcdef012345",
}


def measure(runs: int) -> list[Comparison]:
    """Both cold-start comparisons on an SQLite database at head."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        env = {**SECRETS, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        run_once([*MANAGE, "db", "upgrade"], env)
        ini = raw_alembic_ini(Path(tmp) / "raw", ROOT / "migrations" / "versions", url)
        help_ = compare(
            "cold start: --help",
            "alembic --help",
            lambda: run_once([*MANAGE, "--help"], env),
            lambda: run_once([ALEMBIC, "--help"], env),
            runs,
            goal=1.0,
        )
        bare = bare_flask_migrations(Path(tmp) / "bare", ROOT / "migrations" / "versions")
        current = compare(
            "cold start: db current (SQLite)",
            "alembic current, same database",
            lambda: run_once([*MANAGE, "db", "current"], env),
            lambda: run_once([ALEMBIC, "-c", str(ini), "current"], env),
            runs,
            goal=1.2,
            floor=lambda: run_once([*FLASK, "db", "current"], {**env, "BARE_MIGRATIONS": str(bare)}),
        )
        return [help_, current]
