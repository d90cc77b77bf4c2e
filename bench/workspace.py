"""Temporary workspaces for the benchmarks: a migrations folder usable by both manage.py and raw Alembic."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.harness import ROOT

# bare Flask-Migrate (bench/bare_flask.py): python -m flask --app bench.bare_flask:app db ...
FLASK = [sys.executable, "-m", "flask", "--app", "bench.bare_flask:app"]


def raw_alembic_ini(directory: Path, versions: Path, url: str) -> Path:
    """An alembic.ini for raw Alembic over ``versions`` (scripts shared with manage.py)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(ROOT / "bench" / "raw_env" / name, directory / name)
    ini = directory / "alembic.ini"
    escaped = url.replace("%", "%%")
    ini.write_text(
        f"[alembic]\nscript_location = {directory}\nversion_locations = {versions}\n"
        f"sqlalchemy.url = {escaped}\npath_separator = os\n"
    )
    return ini


def manage_migrations(directory: Path, versions: Path | None = None) -> Path:
    """A copy of the project's migrations folder (env.py, alembic.ini), optionally with other versions."""
    shutil.copytree(ROOT / "migrations", directory, ignore=shutil.ignore_patterns("__pycache__"))
    if versions is not None:
        shutil.rmtree(directory / "versions")
        shutil.copytree(versions, directory / "versions")
    return directory


def bare_flask_migrations(directory: Path, versions: Path) -> Path:
    """A migrations folder as ``flask db init`` makes it (Flask-Migrate's template), over ``versions``."""
    import flask_migrate

    template = Path(flask_migrate.__file__).parent / "templates" / "flask"
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(template / name, directory / name)
    shutil.copy(template / "alembic.ini.mako", directory / "alembic.ini")
    shutil.copytree(versions, directory / "versions")
    return directory
