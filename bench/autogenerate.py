"""``db migrate`` (autogenerate) over a 300-table PostgreSQL schema vs raw Alembic with the same models."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

from bench.harness import ROOT, Comparison, Sample, compare, run_once
from bench.wide_schema import build
from bench.workspace import FLASK, bare_flask_migrations

ALEMBIC = str(Path(sys.executable).with_name("alembic"))
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "bench_autogenerate"


def _prepare(tables: int) -> str:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
    admin.dispose()
    url = sa.make_url(ADMIN_URL).set(database=DATABASE).render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    build(tables).create_all(engine)
    engine.dispose()
    return url


def _environment(directory: Path, env_folder: str, url: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "versions").mkdir()
    for name in ("env.py", "script.py.mako"):
        (directory / name).write_text((ROOT / "bench" / env_folder / name).read_text())
    ini = directory / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {directory}\nsqlalchemy.url = {url.replace('%', '%%')}\n")
    return ini


def _autogenerate(ini: Path, env: dict[str, str]) -> Sample:
    sample = run_once([ALEMBIC, "-c", str(ini), "revision", "--autogenerate", "-m", "bench"], env)
    for script in (ini.parent / "versions").glob("*.py"):
        script.unlink()  # each run compares the same database with the same models
    return sample


def _bare_environment(directory: Path) -> Path:
    empty = directory.parent / "empty-versions"
    empty.mkdir()
    return bare_flask_migrations(directory, empty)


def _bare_autogenerate(directory: Path, env: dict[str, str]) -> Sample:
    sample = run_once([*FLASK, "db", "migrate", "-m", "bench"], env)
    for script in (directory / "versions").glob("*.py"):
        script.unlink()
    return sample


def measure(runs: int, tables: int) -> list[Comparison]:
    """Autogenerate over ``tables`` tables, ours and raw Alembic alternated."""
    url = _prepare(tables)
    env = {"PYTHONPATH": str(ROOT), "BENCH_MODELS": "bench.wide_schema:models", "BENCH_TABLES": str(tables)}
    with tempfile.TemporaryDirectory() as tmp:
        ours = _environment(Path(tmp) / "ours", "ours_env", url)
        theirs = _environment(Path(tmp) / "raw", "raw_env", url)
        bare = _bare_environment(Path(tmp) / "bare")
        bare_env = {**env, "DATABASE_URL": url, "BARE_MIGRATIONS": str(bare)}
        result = compare(
            f"db migrate (autogenerate), {tables} tables, PostgreSQL",
            "raw Alembic autogenerate, same models",
            lambda: _autogenerate(ours, env),
            lambda: _autogenerate(theirs, env),
            runs,
            goal=1.1,
            floor=lambda: _bare_autogenerate(bare, bare_env),
        )
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin.dispose()
    return [result]
