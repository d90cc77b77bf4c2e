"""Seeding users and roles through Flask-Security's own validation and datastore."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import inspect

from models import User, db
from oramigrate.errors import MigrationError


class InvalidUser(MigrationError):
    """The email or password fails the same rules the web form applies."""

    exit_code = 2


class SchemaMissing(MigrationError):
    """The user tables do not exist yet."""


@dataclass(frozen=True)
class NewUser:
    """One user to seed; the password is plain text and is hashed before it is stored."""

    email: str
    password: str
    first_name: str
    last_name: str | None = None
    roles: tuple[str, ...] = ()
    active: bool = True


def require_schema() -> None:
    """Fail with "run db upgrade first" when the user table is missing."""
    if not inspect(db.engine).has_table(User.__tablename__):
        raise SchemaMissing("the user tables do not exist: run `python manage.py db upgrade` first")


def normalized_email(email: str) -> str:
    """The email as Flask-Security stores it, or InvalidUser with its reason."""
    security = current_app.extensions["security"]
    try:
        return str(security._mail_util.normalize(security._mail_util.validate(email)))
    except ValueError as exc:
        raise InvalidUser(f"invalid email {email!r}: {exc}") from None


def check_password(password: str, email: str) -> None:
    """Apply Flask-Security's password length and complexity rules."""
    security = current_app.extensions["security"]
    problems = security._password_util.validate(password, is_register=True, user=email)[0]
    if problems:
        raise InvalidUser(f"password rejected: {'; '.join(problems)}")


def create_user(new: NewUser, role_descriptions: Iterable[tuple[str, str]] = ()) -> bool:
    """Create ``new`` (roles made on demand); False when the email already exists."""
    from flask_security.utils import hash_password

    require_schema()
    datastore = current_app.extensions["security"].datastore
    email = normalized_email(new.email)
    if datastore.find_user(email=email) is not None:
        return False
    check_password(new.password, email)
    descriptions = dict(role_descriptions)
    roles = [datastore.find_or_create_role(name, description=descriptions.get(name)) for name in new.roles]
    datastore.create_user(
        email=email,
        password=hash_password(new.password),
        first_name=new.first_name,
        last_name=new.last_name,
        active=new.active,
        roles=roles,
    )
    db.session.commit()
    return True
