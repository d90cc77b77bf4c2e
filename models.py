"""The application's tables: Flask-Security-Too users and roles, Oracle-safe by construction.

- every integer key draws from an explicit, named ``Sequence`` (Oracle 11g to 23ai, PostgreSQL,
  MariaDB >= 10.3; SQLite ignores it);
- names are lowercase and unquoted, and none is an Oracle reserved word (hence ``auth_user``,
  not ``user``);
- constraint and index names come from ``oracle_safe_metadata`` (deterministic, <= 30 bytes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_security import RoleMixin, UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, Sequence, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oramigrate.oracle.naming import oracle_safe_metadata

db = SQLAlchemy(metadata=oracle_safe_metadata())

__all__ = ["Role", "Setting", "User", "db", "roles_users"]

roles_users = Table(
    "auth_roles_users",
    db.metadata,
    Column("user_id", Integer, ForeignKey("auth_user.id", ondelete="CASCADE"), primary_key=True),
    # its own index: Oracle locks the whole table on a role delete without one (revision 0003)
    Column("role_id", Integer, ForeignKey("auth_role.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Role(db.Model, RoleMixin):  # type: ignore[name-defined,misc]
    """A named role; Flask-Security checks ``roles_required`` against ``name``."""

    __tablename__ = "auth_role"

    id: Mapped[int] = mapped_column(Integer, Sequence("auth_role_id_seq"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))


class User(db.Model, UserMixin):  # type: ignore[name-defined,misc]
    """A registered user who signs in with email and password."""

    __tablename__ = "auth_user"

    id: Mapped[int] = mapped_column(Integer, Sequence("auth_user_id_seq"), primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str | None] = mapped_column(String(100))
    password: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    fs_uniquifier: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # consecutive failed sign-ins since the last successful one, and when the last failed (UTC);
    # in the database so every process serving the app sees one count (revision 0004)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default=text("0"))
    last_failed_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    roles = relationship("Role", secondary=roles_users, backref="users", lazy="selectin")

    def locked_until(self, attempts: int, seconds: int) -> datetime | None:
        """When the lock-out of ``attempts`` consecutive failures ends (UTC), or None if none holds it."""
        if attempts <= 0 or self.failed_logins < attempts or self.last_failed_login_at is None:
            return None
        return self.last_failed_login_at + timedelta(seconds=seconds)

    def is_locked(self, form_error: list[str] | None = None) -> bool:
        """Flask-Security's hook, asked after the password verified: locked out by failed sign-ins."""
        config = current_app.config
        attempts, seconds = config.get("LOGIN_LOCKOUT_ATTEMPTS", 0), config.get("LOGIN_LOCKOUT_SECONDS", 0)
        until = self.locked_until(attempts, seconds)
        if until is None or until <= utc_now():
            return False
        if form_error is not None:
            # with SECURITY_RETURN_GENERIC_RESPONSES the login page shows its generic failure instead
            form_error.append("Too many failed sign-ins: this account is locked for now.")
        return True


class Setting(db.Model):  # type: ignore[name-defined,misc]
    """One application setting kept beside the data it describes (the password salt's fingerprint)."""

    __tablename__ = "app_setting"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), nullable=False)


def utc_now() -> datetime:
    """Now in UTC without a zone, as the DateTime columns store it (Flask-Security's convention)."""
    return datetime.now(UTC).replace(tzinfo=None)
