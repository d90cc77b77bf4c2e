"""A minimal Flask app of a Flask-Migrate user, with ``OracleSafe`` in place of ``Migrate``."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from oramigrate import OracleSafe

db = SQLAlchemy()


class Item(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    price: Mapped[int | None] = mapped_column(sa.Integer, index=True)


def create_app() -> Flask:
    """The app, its database from EXAMPLE_DATABASE_URL (a URL object, as some apps keep it)."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = sa.make_url(os.environ["EXAMPLE_DATABASE_URL"])
    app.config["ORACLE_TARGET_VERSION"] = "19"  # identity columns: Oracle 12c and later
    db.init_app(app)
    OracleSafe(app, db)
    return app
