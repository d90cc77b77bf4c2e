"""Flask-SQLAlchemy and the Oracle-safe migrations (OracleSafe: Flask-Migrate, guarded) for the models."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from oramigrate import OracleSafe

from .models_db import db

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")

migrate = OracleSafe(compare_type=True, render_as_batch=True)


def init_app(app: Flask) -> None:
    """Bind the models' ``db`` and the migration environment to ``app``."""
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIRECTORY", MIGRATIONS_DIRECTORY))
