"""Flask-Security-Too: login, logout and change password over the ``auth_user`` table."""

from __future__ import annotations

from flask import Flask
from flask_security import Security, SQLAlchemyUserDatastore

from models import Role, User, db

security = Security()


def init_app(app: Flask) -> None:
    """Attach Flask-Security with the SQLAlchemy datastore of our models."""
    security.init_app(app, SQLAlchemyUserDatastore(db, User, Role))
