"""The application's tables: Flask-Security-Too users and roles, Oracle-safe by construction.

- every integer key draws from an explicit, named ``Sequence`` (Oracle 11g to 23ai, PostgreSQL,
  MariaDB >= 10.3; SQLite ignores it);
- names are lowercase and unquoted, and none is an Oracle reserved word (hence ``auth_user``,
  not ``user``);
- constraint and index names come from ``oracle_safe_metadata`` (deterministic, <= 30 bytes).
"""

from __future__ import annotations

from datetime import datetime

from flask_security import RoleMixin, UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, Sequence, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oramigrate.oracle.naming import oracle_safe_metadata

db = SQLAlchemy(metadata=oracle_safe_metadata())

__all__ = ["Role", "User", "db", "roles_users"]

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
    roles = relationship("Role", secondary=roles_users, backref="users", lazy="selectin")
