"""Seed users and roles in one transaction: check every row, hash on every core, then write.

Nothing is written unless every row is valid. Ids come from the models' sequences (Oracle,
PostgreSQL, MariaDB) or SQLite's rowid: never set here.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from models import Role, User, db
from webapp.password_pool import PasswordJob, Progress, hash_passwords, no_progress
from webapp.users import (
    InvalidUser,
    NewUser,
    RowProblem,
    RowsRejected,
    UserSpec,
    clear_failed_sign_ins,
    require_schema,
    user_changes,
    validated,
)

# Oracle refuses more than 1,000 expressions in one IN list (ORA-01795)
IN_LIST_SIZE = 500

Notify = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


@dataclass(frozen=True)
class Outcome:
    """What one row did: created, updated (which fields) or unchanged (``existed``: no --update)."""

    email: str
    action: str
    changes: tuple[str, ...] = ()
    existed: bool = False

    def __str__(self) -> str:
        if self.action == "created":
            return f"created user {self.email}"
        if self.action == "updated":
            return f"updated user {self.email}: {', '.join(self.changes)}"
        if self.existed:
            return f"user {self.email} already exists: unchanged"
        return f"user {self.email} unchanged"


@dataclass
class Result:
    """Every row's outcome, and the counts an operator reads."""

    outcomes: list[Outcome] = field(default_factory=list)

    def __str__(self) -> str:
        counts = {action: 0 for action in ("created", "updated", "unchanged")}
        for outcome in self.outcomes:
            counts[outcome.action] += 1
        return ", ".join(f"{action} {count}" for action, count in counts.items()) + ", rejected 0"


@dataclass
class _Planned:
    spec: UserSpec
    user: Any
    changes: list[str]
    job: PasswordJob | None = None


def existing_users(emails: Sequence[str]) -> dict[str, Any]:
    """The users whose email matches one of ``emails`` ignoring case, by lowercased email."""
    # case-blind like MariaDB's unique index, so every backend finds "Ada@x" when given "ada@x"
    lowered = sorted({email.lower() for email in emails})
    found: dict[str, Any] = {}
    for start in range(0, len(lowered), IN_LIST_SIZE):
        chunk = lowered[start : start + IN_LIST_SIZE]
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(chunk))):
            found[user.email.lower()] = user
    return found


def _validated_rows(specs: Iterable[UserSpec], problems: list[RowProblem]) -> list[UserSpec]:
    rows: list[UserSpec] = []
    first_line: dict[str, int | None] = {}
    for spec in specs:
        try:
            row = validated(spec)
        except InvalidUser as exc:
            problems.append(RowProblem(spec.line, str(exc)))
            continue
        # case-blind, like the lookup of existing users
        key = row.email.casefold()
        if key in first_line:
            problems.append(
                RowProblem(spec.line, f"duplicate email {row.email} (first on line {first_line[key]})")
            )
            continue
        first_line[key] = spec.line
        rows.append(row)
    return rows


def _plan(rows: list[UserSpec], update: bool, problems: list[RowProblem]) -> list[_Planned]:
    existing = existing_users([row.email for row in rows])
    planned = []
    for row in rows:
        user = existing.get(row.email.lower())
        if user is None:
            if row.password is None and row.password_hash is None:
                problems.append(RowProblem(row.line, f"no password for new user {row.email}"))
                continue
            job = None if row.password is None else PasswordJob(row.password)
            planned.append(_Planned(row, None, [], job))
        elif not update:
            planned.append(_Planned(row, user, []))
        else:
            job = None if row.password is None else PasswordJob(row.password, user.password)
            planned.append(_Planned(row, user, user_changes(user, row), job))
    return planned


def unknown_roles(names: Sequence[str], existing: Iterable[str]) -> str:
    """Why ``names`` are refused, each with the existing roles nearest to it (a typo must not make a role)."""
    known = sorted(existing)
    by_folded = {role.casefold(): role for role in known}
    described = []
    for name in names:
        near = [by_folded[f] for f in difflib.get_close_matches(name.casefold(), list(by_folded), n=3)]
        hint = f" (did you mean {' or '.join(repr(role) for role in near)}?)" if near else ""
        described.append(f"{name!r}{hint}")
    if len(names) == 1:
        found = f"role {described[0]} does not exist"
    else:
        found = f"roles {', '.join(described)} do not exist"
    if not any("did you mean" in text for text in described):
        found += f" (existing: {', '.join(known[:10])})" if known else " (no role exists yet)"
    return f"{found}; --create-roles makes new roles"


def _role_problems(
    planned: list[_Planned], descriptions: Mapping[str, str], create_roles: bool, problems: list[RowProblem]
) -> None:
    if create_roles:
        return
    existing = set(db.session.scalars(select(Role.name)))
    for item in planned:
        missing = [
            name for name in item.spec.roles or () if name not in existing and name not in descriptions
        ]
        if missing:
            problems.append(RowProblem(item.spec.line, unknown_roles(missing, existing)))


def _roles(planned: list[_Planned], descriptions: Mapping[str, str], update: bool) -> dict[str, Any]:
    names = sorted({name for item in planned for name in item.spec.roles or ()} | set(descriptions))
    datastore = current_app.extensions["security"].datastore
    roles: dict[str, Any] = {}
    for start in range(0, len(names), IN_LIST_SIZE):
        chunk = names[start : start + IN_LIST_SIZE]
        roles.update(
            (role.name, role) for role in db.session.scalars(select(Role).where(Role.name.in_(chunk)))
        )
    for name in names:
        if name not in roles:
            roles[name] = datastore.create_role(name=name, description=descriptions.get(name))
        elif update and name in descriptions:
            roles[name].description = descriptions[name]
    return roles


def _write(planned: list[_Planned], roles: Mapping[str, Any], update: bool) -> list[Outcome]:
    datastore = current_app.extensions["security"].datastore
    outcomes = []
    for item in planned:
        spec, user = item.spec, item.user
        if user is None:
            datastore.create_user(
                email=spec.email,
                password=spec.password_hash,
                first_name=spec.first_name or spec.email.split("@", 1)[0],
                last_name=spec.last_name or None,
                active=True if spec.active is None else spec.active,
                roles=[],
            ).roles = [roles[name] for name in spec.roles or ()]
            outcomes.append(Outcome(spec.email, "created"))
            continue
        changes = tuple(item.changes)
        if "first_name" in changes:
            user.first_name = spec.first_name
        if "last_name" in changes:
            user.last_name = spec.last_name or None
        if "roles" in changes:
            user.roles = [roles[name] for name in spec.roles or ()]
        if "active" in changes:
            user.active = spec.active
        if "password" in changes:
            user.password = spec.password_hash
        if "active" in changes or "password" in changes:
            # a new identity key: every session and remember-me cookie of the old one ends
            datastore.set_uniquifier(user)
        if "password" in changes or "failed_logins" in changes:
            # a new password (the failures were against the old one), or an operator's --unlock
            clear_failed_sign_ins(user)
        outcomes.append(
            Outcome(user.email, "updated" if changes else "unchanged", changes, existed=not update)
        )
    return outcomes


def seed_rows(
    specs: Sequence[UserSpec],
    *,
    update: bool = False,
    descriptions: Mapping[str, str] | None = None,
    progress: Progress = no_progress,
    problems: Sequence[RowProblem] = (),
    create_roles: bool = False,
    notify: Notify = _quiet,
) -> Result:
    """Create or (``update``) change the users of ``specs``; RowsRejected lists every invalid row.

    Roles must exist unless ``create_roles`` or described in ``descriptions``. ``notify`` hears
    warnings that do not stop the run (the password salt changed since the last seeding).
    """
    from .salt import record

    require_schema()
    descriptions = dict(descriptions or {})
    found = list(problems)
    planned = _plan(_validated_rows(specs, found), update, found)
    _role_problems(planned, descriptions, create_roles, found)
    if found:
        raise RowsRejected(sorted(found, key=lambda p: p.line or 0), len(specs) + len(problems))
    with_jobs = [item for item in planned if item.job is not None]
    hashes = hash_passwords([item.job for item in with_jobs if item.job is not None], progress)
    for item, new_hash in zip(with_jobs, hashes, strict=True):
        if new_hash is not None:
            item.spec = replace(item.spec, password_hash=new_hash)
            if item.user is not None:
                item.changes.append("password")
    to_write = [item for item in planned if item.user is None or item.changes]
    try:
        roles = _roles(to_write, descriptions, update) if to_write else {}
        outcomes = _write(planned, roles, update)
        if with_jobs and any(new_hash is not None for new_hash in hashes):
            record(str(current_app.config["SECURITY_PASSWORD_SALT"]), notify)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return Result(outcomes)


def seed_user(
    spec: UserSpec,
    *,
    update: bool,
    descriptions: Mapping[str, str],
    ask_password: Callable[[], str] | None,
    create_roles: bool = False,
    notify: Notify = _quiet,
) -> Outcome:
    """Create or (``update``) change one user; the password is asked only for a new user."""
    require_schema()
    if spec.password is None and spec.password_hash is None:
        try:
            email = validated(replace(spec, roles=None)).email
        except InvalidUser:
            email = spec.email
        if not existing_users([email]):
            if ask_password is None:
                raise InvalidUser(
                    "no password: pipe it with --password-stdin, name a file in REGUSER_PASSWORD_FILE, "
                    "or run on a terminal to be prompted"
                )
            spec = replace(spec, password=ask_password())
    try:
        (outcome,) = seed_rows(
            [spec], update=update, descriptions=descriptions, create_roles=create_roles, notify=notify
        ).outcomes
    except RowsRejected as exc:
        raise InvalidUser(exc.problems[0].message) from None
    return outcome


def seed_file(
    path: Path,
    *,
    update: bool,
    descriptions: Mapping[str, str],
    progress: Progress = no_progress,
    create_roles: bool = False,
    notify: Notify = _quiet,
) -> Result:
    """Seed every user of a CSV or JSON file, all or nothing."""
    from webapp.user_file import read_users

    require_schema()
    specs, problems = read_users(path)
    return seed_rows(
        specs,
        update=update,
        descriptions=descriptions,
        progress=progress,
        problems=problems,
        create_roles=create_roles,
        notify=notify,
    )


def create_user(new: NewUser) -> bool:
    """Create ``new`` (roles made on demand: a program names them on purpose); False when it exists."""
    spec = UserSpec(
        email=new.email,
        first_name=new.first_name,
        last_name=new.last_name,
        roles=new.roles,
        active=new.active,
        password=new.password,
    )
    outcome = seed_user(spec, update=False, descriptions={}, ask_password=None, create_roles=True)
    return outcome.action == "created"
