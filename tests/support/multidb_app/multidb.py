"""A Flask-Migrate user's app with two databases (``SQLALCHEMY_BINDS``), ``OracleSafe`` in place of
``Migrate``: accounts in the default bind, audit events in the ``audit`` bind."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from oramigrate import OracleSafe

db = SQLAlchemy()


class Account(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    email: Mapped[str | None] = mapped_column(sa.String(200))


class Event(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "events"
    __bind_key__ = "audit"
    id: Mapped[int] = mapped_column(sa.Identity(), primary_key=True)
    what: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str | None] = mapped_column(sa.String(20))


def create_app(default_url: str, audit_url: str, directory: str) -> Flask:
    """The app on two databases, its migrations in ``directory``."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = default_url
    app.config["SQLALCHEMY_BINDS"] = {"audit": audit_url}
    app.config["ORACLE_TARGET_VERSION"] = "19"  # identity columns: Oracle 12c and later
    db.init_app(app)
    OracleSafe(app, db, directory=directory)
    return app
