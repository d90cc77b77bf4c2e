"""Users in tests: seeding through the CLI at a cheap hash cost, and reading them back."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from support.cli import Ran, run_manage

CHEAP_HASH = {
    "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": json.dumps(
        {"argon2__rounds": 1, "argon2__memory_cost": 8, "argon2__parallelism": 1}
    )
}
HEADER = ["email", "first_name", "last_name", "roles", "password"]


def seed(*args: str, url: str, input: str | None = None, **env: str) -> Ran:
    """``manage.py dbCreateRegUser ARGS`` on ``url`` at the cheap test hash cost."""
    return run_manage("dbCreateRegUser", *args, database_url=url, input=input, env={**CHEAP_HASH, **env})


def upgraded(database_url: str) -> str:
    """``database_url`` after ``db upgrade``."""
    result = run_manage("db", "upgrade", database_url=database_url)
    assert result.returncode == 0, result.stderr
    return database_url


def users(url: str) -> list[tuple[Any, ...]]:
    """(email, first_name, last_name, active, "role;role") of every user, by email."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, email, first_name, last_name, active FROM auth_user ORDER BY email")
            ).all()
            links = connection.execute(
                sa.text(
                    "SELECT l.user_id, r.name FROM auth_roles_users l JOIN auth_role r ON r.id = l.role_id"
                )
            ).all()
    finally:
        engine.dispose()
    roles: dict[int, list[str]] = {}
    for user_id, name in links:
        roles.setdefault(user_id, []).append(name)
    return [(e, f, last, bool(a), ";".join(sorted(roles.get(i, [])))) for i, e, f, last, a in rows]


def scalar(url: str, sql: str) -> Any:
    """The single value ``sql`` returns on ``url``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    """A users CSV file with ``header``."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
