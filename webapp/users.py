"""Users to seed, checked by Flask-Security's own rules, so the CLI accepts what the web form accepts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from flask import current_app
from sqlalchemy import inspect

from models import Role, Setting, User, db
from oramigrate.errors import MigrationError

# column sizes of models.py: checked up front, so a long value is a listed problem, not a
# database error halfway through the transaction
EMAIL_MAX, NAME_MAX, ROLE_MAX, DESCRIPTION_MAX = 255, 100, 80, 255


class InvalidUser(MigrationError):
    """The input fails the rules the web form applies, or the command was called wrongly."""

    exit_code = 2


class SchemaMissing(MigrationError):
    """The user tables do not exist yet."""


@dataclass(frozen=True)
class RowProblem:
    """Why one input row (``line`` of its file, None for command-line input) was rejected."""

    line: int | None
    message: str


class RowsRejected(MigrationError):
    """Some rows are invalid: nothing was written; ``problems`` lists every one."""

    exit_code = 2

    def __init__(self, problems: list[RowProblem], rows: int) -> None:
        rejected = len({problem.line for problem in problems})
        super().__init__(
            f"created 0, updated 0, unchanged 0, rejected {rejected}: nothing written "
            f"({rejected} of {rows} rows invalid)"
        )
        self.problems = problems
        self.rows = rows


@dataclass(frozen=True)
class UserSpec:
    """One user as given; None means "not given" (kept on update), "" last_name clears it."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    roles: tuple[str, ...] | None = None
    active: bool | None = None
    password: str | None = None
    password_hash: str | None = None
    line: int | None = None
    unlock: bool = False  # end a sign-in lock-out: the consecutive failed sign-ins back to 0


@dataclass(frozen=True)
class NewUser:
    """One user to create with a plain-text password (the shape the web tests seed with)."""

    email: str
    password: str
    first_name: str
    last_name: str | None = None
    roles: tuple[str, ...] = ()
    active: bool = True


def require_schema() -> None:
    """Fail with "run db upgrade first" when the user tables, or what later revisions add, are missing."""
    inspector = inspect(db.engine)
    if not all(inspector.has_table(model.__tablename__) for model in (User, Role)):
        raise SchemaMissing("the user tables do not exist: run `python manage.py db upgrade` first")
    # a database behind the code (revision 0004's columns and settings table) fails at the first
    # INSERT otherwise, with the driver's words about a column
    missing = []
    for table in (User.__table__, Role.__table__, Setting.__table__):
        if not inspector.has_table(table.name):
            missing.append(table.name)
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in present]
    if missing:
        raise SchemaMissing(
            f"the database is behind the application ({', '.join(missing)} missing): "
            "run `python manage.py db upgrade` first"
        )


def normalized_email(email: str) -> str:
    """The email as Flask-Security stores it, or InvalidUser with the web form's reason."""
    security = current_app.extensions["security"]
    try:
        normalized = str(security.mail_util.validate(email))
    except ValueError as exc:
        raise InvalidUser(f"email {email!r} rejected: {exc}") from None
    if len(normalized) > EMAIL_MAX:
        raise InvalidUser(f"email {email!r} rejected: longer than {EMAIL_MAX} characters")
    return normalized


def normalized_password(password: str, email: str) -> str:
    """The password as Flask-Security hashes it (normalised), after its length and complexity rules."""
    security = current_app.extensions["security"]
    problems, normalized = security.password_util.validate(password, is_register=True, email=email)
    if problems:
        raise InvalidUser(f"password rejected: {'; '.join(str(p) for p in problems)}")
    return str(normalized)


def accepted_hash(password_hash: str) -> str:
    """``password_hash`` when Flask-Security's password context recognises its scheme."""
    context = current_app.extensions["security"].pwd_context
    scheme = context.identify(password_hash, required=False)
    # "plaintext" is the catch-all last scheme: it would "verify" the hash string itself
    if scheme is None or scheme == "plaintext":
        known = ", ".join(s for s in context.schemes() if s != "plaintext")
        raise InvalidUser(f"password_hash is not a hash Flask-Security accepts (schemes: {known})")
    # identify() reads the prefix only: "$argon2id$" and garbage after it would be stored, and every
    # sign-in of that user would fail in passlib's verify (a server error), so the hash is parsed
    try:
        context.handler(scheme).from_string(password_hash)
    except (ValueError, TypeError) as exc:
        raise InvalidUser(f"password_hash is not a well-formed {scheme} hash ({exc})") from None
    return password_hash


def _checked_length(field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise InvalidUser(f"{field} is longer than {limit} characters")


def _checked_characters(field: str, value: str | None) -> None:
    """InvalidUser when ``value`` holds a control, format (bidi, zero-width) or surrogate character.

    NUL breaks PostgreSQL's text type, a lone surrogate every database's encoding, and the others
    render as nothing or reorder what an administrator reads; none is ever typed in a form.
    """
    for char in value or "":
        if unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            raise InvalidUser(f"{field} contains a control character (U+{ord(char):04X})")


def validated(spec: UserSpec) -> UserSpec:
    """``spec`` with its email and password normalised, or InvalidUser with the first problem."""
    for field in ("email", "first_name", "last_name", "password", "password_hash"):
        _checked_characters(field, getattr(spec, field))
    email = normalized_email(spec.email)
    if spec.password is not None and spec.password_hash is not None:
        raise InvalidUser("give a password or a password_hash, not both")
    password = None if spec.password is None else normalized_password(spec.password, email)
    password_hash = None if spec.password_hash is None else accepted_hash(spec.password_hash)
    _checked_length("first_name", spec.first_name, NAME_MAX)
    _checked_length("last_name", spec.last_name, NAME_MAX)
    for role in spec.roles or ():
        checked_role(role)
    return replace(spec, email=email, password=password, password_hash=password_hash)


def checked_role(name: str) -> None:
    """InvalidUser unless ``name`` can be a role's name."""
    if not name:
        raise InvalidUser("a role name is empty")
    if name != name.strip():  # ' admin' beside 'admin': two roles a person cannot tell apart
        raise InvalidUser(f"role name {name!r} starts or ends with white space")
    _checked_characters("a role name", name)
    _checked_length(f"role {name[:20]!r}", name, ROLE_MAX)


def role_descriptions(pairs: tuple[str, ...]) -> dict[str, str]:
    """``NAME=TEXT`` pairs of --role-description as a mapping."""
    descriptions: dict[str, str] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidUser(f"--role-description takes NAME=TEXT, not {pair[:80]!r}")
        checked_role(name.strip())
        _checked_characters(f"the description of role {name.strip()!r}", text)
        _checked_length(f"the description of role {name.strip()!r}", text, DESCRIPTION_MAX)
        descriptions[name.strip()] = text
    return descriptions


def user_changes(user: Any, spec: UserSpec) -> list[str]:
    """The fields (not the password) that ``spec`` would change on ``user``, by name."""
    changes = []
    if spec.first_name is not None and spec.first_name != user.first_name:
        changes.append("first_name")
    if spec.last_name is not None and (spec.last_name or None) != user.last_name:
        changes.append("last_name")
    if spec.roles is not None and set(spec.roles) != {role.name for role in user.roles}:
        changes.append("roles")
    if spec.active is not None and spec.active != user.active:
        changes.append("active")
    if spec.password_hash is not None and spec.password_hash != user.password:
        changes.append("password")
    if spec.unlock and has_failed_sign_ins(user):
        changes.append("failed_logins")
    return changes


def has_failed_sign_ins(user: Any) -> bool:
    """Whether ``user`` has a run of failed sign-ins to end (a count, or the time of the last one)."""
    return bool(user.failed_logins or user.last_failed_login_at is not None)


def clear_failed_sign_ins(user: Any) -> None:
    """End ``user``'s run of failed sign-ins, and with it any lock-out (webapp/lockout.py)."""
    user.failed_logins, user.last_failed_login_at = 0, None
