"""The database and the Oracle-safe migrations (``OracleSafe``: Flask-Migrate, guarded) of the app.

The web app binds the models' own ``db``. Schema commands (``manage.py db ...``) need an engine, not
the table definitions, and importing the models imports Flask-Security (for its mixins), a tenth of
a schema command's start-up: they get ``SchemaDatabase``, which imports the models only when
something asks for the metadata (autogenerate, ``db check``, ``db baseline``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from oramigrate import OracleSafe
from oramigrate.oracle.naming import oracle_safe_metadata
from oramigrate.settings import refuse_connecting_without_password

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")


class SchemaDatabase(SQLAlchemy):
    """Flask-SQLAlchemy for schema commands: the engine now, the models' metadata on first use."""

    @property
    def metadata(self) -> sa.MetaData:
        """The models' metadata (an empty one would autogenerate drops of every table)."""
        from models import db

        return db.metadata


schema_db = SchemaDatabase(metadata=oracle_safe_metadata())
migrate = OracleSafe(compare_type=True, render_as_batch=True)


def init_app(app: Flask, *, web: bool) -> None:
    """Bind a database and the migration environment to ``app`` (the models' own ``db`` for ``web``)."""
    db: Any = schema_db
    if web:
        from models import db
    db.init_app(app)
    missing = app.config.get("DATABASE_PASSWORD_MISSING")
    if missing:
        with app.app_context():
            refuse_connecting_without_password(db.engine, missing)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIRECTORY", MIGRATIONS_DIRECTORY))
