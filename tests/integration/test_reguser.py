"""dbCreateRegUser through the real CLI on each real database, then the web login with what it seeded.

Hashing uses a cheap argon2 cost set through SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS (the setting an
operator would use too); bench/seed_users.py measures the real cost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from support.cli import TEST_SECRETS
from support.databases import Database
from support.users import CHEAP_HASH, scalar, seed, upgraded, users, write_csv


@pytest.fixture
def web_login(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """login(url, email, password): the home page after posting the Flask-Security login form."""
    for name in ("DATABASE_URL", "DATABASE_URL_FILE", "ORACLE_USER", "ORACLE_DSN", "REGISTRATION_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    from models import db
    from webapp import create_app

    apps = []

    def login(url: str, email: str, password: str) -> tuple[int, str]:
        # the seeding cost, so that the login's rehash check (needs_update) finds nothing to redo
        cheap = json.loads(CHEAP_HASH["SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS"])
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": cheap}
        )
        apps.append(app)
        client = app.test_client()
        form = client.get("/login")
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', form.text)
        assert token is not None, form.text
        posted = client.post("/login", data={"email": email, "password": password, "csrf_token": token[1]})
        home = client.get("/")
        signed_in = re.search(r'<strong id="user-email">([^<]*)</strong>', home.text)
        return posted.status_code, signed_in[1] if signed_in else "not signed in"

    yield login
    for app in apps:
        with app.app_context():
            db.engine.dispose()


# the bulk test below covers every backend's writes; this flow adds little on a third one
@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_one_user_rerun_update_then_web_login(database: Database, web_login: Any) -> None:
    url = upgraded(database.url)
    made = seed(
        "--email",
        "Ada@Example.COM",
        "--first-name",
        "Ada",
        "--role",
        "admin",
        "--role",
        "staff",
        "--role-description",
        "admin=Administrators",
        "--create-roles",
        "--password-stdin",
        url=url,
        input="First-password-1\n",
    )
    assert (made.returncode, made.stdout, made.stderr) == (0, "created user Ada@example.com\n", "")
    assert users(url) == [("Ada@example.com", "Ada", None, True, "admin;staff")]
    assert scalar(url, "SELECT description FROM auth_role WHERE name = 'admin'") == "Administrators"
    first_hash = scalar(url, "SELECT password FROM auth_user")

    again = seed("--email", "ada@example.com", "--password-stdin", url=url, input="Other-password-2\n")
    assert (again.returncode, again.stdout) == (0, "user Ada@example.com already exists: unchanged\n")
    assert users(url) == [("Ada@example.com", "Ada", None, True, "admin;staff")]
    assert scalar(url, "SELECT password FROM auth_user") == first_hash

    changed = seed(
        "--email",
        "Ada@example.com",
        "--update",
        "--last-name",
        "Lovelace",
        "--role",
        "staff",
        "--password-stdin",
        url=url,
        input="Second-password-2\n",
    )
    assert changed.stdout == "updated user Ada@example.com: last_name, roles, password\n", changed.stderr
    assert users(url) == [("Ada@example.com", "Ada", "Lovelace", True, "staff")]
    assert web_login(url, "Ada@example.com", "First-password-1") == (200, "not signed in")
    assert web_login(url, "Ada@example.com", "Second-password-2") == (302, "Ada@example.com")

    disabled = seed("--email", "Ada@example.com", "--update", "--inactive", url=url)
    assert disabled.stdout == "updated user Ada@example.com: active\n", disabled.stderr
    assert users(url) == [("Ada@example.com", "Ada", "Lovelace", False, "staff")]


def test_file_of_1000_users_all_or_nothing_then_web_login(
    database: Database, web_login: Any, tmp_path: Path
) -> None:
    url = upgraded(database.url)
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            ["grace@example.com", "Grace", "Hopper", "admin", "Harbour-71-lights"],
            ["not-an-email", "Nobody", "", "", "Some-password-1"],
            ["alan@example.com", "Alan", "Turing", "", "Turing-machine-36"],
            ["Alan@example.com", "Alan", "Again", "", "Turing-machine-36"],
            ["short@example.com", "Short", "", "", "short"],
        ],
    )
    rejected = seed("--from-file", str(bad), "--create-roles", url=url)
    assert (rejected.returncode, rejected.stdout) == (2, "")
    assert rejected.stderr.splitlines() == [
        "  bad.csv line 3: email 'not-an-email' rejected: Invalid email address",
        "  bad.csv line 5: duplicate email Alan@example.com (first on line 4)",
        "  bad.csv line 6: password rejected: Password must be at least 8 characters",
        "Error: bad.csv: 3 of 5 rows invalid (lines 3, 5, 6): nothing written",
    ]
    assert (users(url), scalar(url, "SELECT COUNT(*) FROM auth_role")) == ([], 0)

    rows = [
        [
            f"user{n:04d}@example.com",
            f"First{n}",
            f"Last{n}",
            "reader;staff" if n % 2 else "reader",
            f"Pw-{n:04d}-ok",
        ]
        for n in range(1000)
    ]
    big = write_csv(tmp_path / "users.csv", rows)
    loaded = seed("--from-file", str(big), "--create-roles", url=url)
    assert (loaded.returncode, loaded.stdout, loaded.stderr) == (
        0,
        "created 1000, updated 0, unchanged 0, rejected 0\n",
        "",
    )
    seeded = users(url)
    assert len(seeded) == 1000
    assert seeded[0] == ("user0000@example.com", "First0", "Last0", True, "reader")
    assert seeded[999] == ("user0999@example.com", "First999", "Last999", True, "reader;staff")
    assert scalar(url, "SELECT COUNT(*) FROM auth_roles_users") == 1500
    assert scalar(url, "SELECT COUNT(DISTINCT password) FROM auth_user") == 1000
    assert web_login(url, "user0777@example.com", "Pw-0777-ok") == (302, "user0777@example.com")

    changes = tmp_path / "changes.json"
    changes.write_text(
        json.dumps(
            [
                {"email": "user0001@example.com", "roles": ["admin"], "active": False},
                {"email": "user0002@example.com", "password": "Pw-0002-ok"},
                {"email": "user0013@example.com", "password": "Changed-pw-3"},
                {"email": "new@example.com", "first_name": "New", "password": "Fresh-start-pw-19"},
            ],
            indent=2,
        ),
        encoding="utf-8",
    )
    updated = seed("--from-file", str(changes), "--update", "--role-description", "admin=Admins", url=url)
    assert updated.stdout == "created 1, updated 2, unchanged 1, rejected 0\n", updated.stderr
    assert users(url)[:4] == [
        ("new@example.com", "New", None, True, ""),
        ("user0000@example.com", "First0", "Last0", True, "reader"),
        ("user0001@example.com", "First1", "Last1", False, "admin"),
        ("user0002@example.com", "First2", "Last2", True, "reader"),
    ]
    assert web_login(url, "user0013@example.com", "Changed-pw-3") == (302, "user0013@example.com")


def test_hash_made_by_flask_security_is_stored_as_given(tmp_path: Path, web_login: Any) -> None:
    from flask_security.utils import hash_password

    from models import db
    from webapp import create_app

    url = upgraded(f"sqlite:///{tmp_path / 'app.db'}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        made = hash_password("Hashed-password-1")
        db.engine.dispose()
    path = write_csv(
        tmp_path / "hashes.csv", [["h@example.com", "H", made]], ["email", "first_name", "password_hash"]
    )
    loaded = seed("--from-file", str(path), url=url)
    assert loaded.stdout == "created 1, updated 0, unchanged 0, rejected 0\n", loaded.stderr
    assert scalar(url, "SELECT password FROM auth_user") == made
    assert web_login(url, "h@example.com", "Hashed-password-1") == (302, "h@example.com")


def test_ids_are_never_set_so_oracle_draws_them_from_sequences(tmp_path: Path, web_login: Any) -> None:
    from flask_migrate import upgrade
    from sqlalchemy.dialects import oracle
    from support.oracle_sql import parse

    from models import User, db
    from webapp import create_app
    from webapp.seeding import create_user
    from webapp.users import NewUser

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.db'}", **TEST_SECRETS})
    inserts: list[str] = []
    with app.app_context():
        upgrade()
        sa.event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *rest: (
                inserts.append(statement)
                if statement.startswith(("INSERT INTO auth_", "INSERT INTO app_"))
                else None
            ),
        )
        assert create_user(NewUser("seq@example.com", "Tidal-pool-73", "Seq", roles=("admin",)))
        db.engine.dispose()
    columns = [re.match(r"INSERT INTO (\w+) \(([^)]*)\)", statement).groups() for statement in inserts]  # type: ignore[union-attr]
    assert columns == [
        ("auth_role", "name, description"),
        (
            "auth_user",
            "email, first_name, last_name, password, active, fs_uniquifier, confirmed_at, failed_logins, "
            "last_failed_login_at",
        ),
        ("auth_roles_users", "user_id, role_id"),
        ("app_setting", "name, value"),  # the password salt's fingerprint (webapp/salt.py)
    ]
    values = dict.fromkeys(("email", "first_name", "last_name", "password", "active", "fs_uniquifier"), "x")
    on_oracle = str(sa.insert(User.__table__).values(**values).compile(dialect=oracle.dialect()))
    assert on_oracle == (
        "INSERT INTO auth_user (id, email, first_name, last_name, password, active, fs_uniquifier, "
        "failed_logins) VALUES (auth_user_id_seq.nextval, :email, :first_name, :last_name, :password, "
        ":active, :fs_uniquifier, :failed_logins) RETURNING auth_user.id INTO :ret_0"
    )
    parse(on_oracle)
