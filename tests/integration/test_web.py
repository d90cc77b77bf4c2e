"""The web application through Flask's test client on a real, migrated SQLite database."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from support.cli import TEST_SECRETS, migrations_with
from support.databases import PROJECT_CHAIN, PROJECT_HEAD, PROJECT_REVISIONS, Database

from models import db
from oramigrate.errors import ConfigurationError
from oramigrate.settings import mask_url
from webapp import create_app
from webapp.production import check_secrets, prepare
from webapp.schema_state import SchemaNotAtHead, schema_state
from webapp.seeding import create_user
from webapp.users import NewUser

ADMIN = ("admin@example.com", "Harbour-lights-71")
READER = ("reader@example.com", "Quiet-meadow-58")
GENERIC_FAILURE = "Authentication failed - identity or password/passcode invalid"
REVISION_0001 = {
    "revision": "0001",
    "down_revision": None,
    "message": "Users and roles: their sequences first, then the tables.",
}
# the project's revisions as the Schema page lists them (id, parent, first line of the docstring)
CHAIN = PROJECT_CHAIN
assert CHAIN[0] == REVISION_0001


_apps: list[Flask] = []


def make_app(url: str, revision: str = "head", **config: Any) -> Flask:
    """An application on ``url``, migrated to ``revision``, with an admin and a role-less reader."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, **config})
    _apps.append(app)
    with app.app_context():
        upgrade(revision=revision)
        if revision == "head":
            create_user(NewUser(email=ADMIN[0], password=ADMIN[1], first_name="Ada", roles=("admin",)))
            create_user(NewUser(email=READER[0], password=READER[1], first_name="Rex"))
    return app


@pytest.fixture(autouse=True)
def _settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # create_app reads the environment: keep it off the developer's own settings and instance/
    for name in ("DATABASE_URL", "DATABASE_URL_FILE", "ORACLE_USER", "ORACLE_DSN", "REGISTRATION_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    while _apps:
        with _apps.pop().app_context():
            db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The application on a fresh SQLite database at head."""
    yield make_app(f"sqlite:///{tmp_path / 'web.db'}")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client of ``app``."""
    return app.test_client()


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form at ``path``."""
    page = client.get(path)
    assert page.status_code == 200
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.text)
    assert match is not None, page.text
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str) -> Any:
    """Post the login form as a browser would."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def form_errors(html: str) -> list[str]:
    """The error lines of a rendered Flask-Security form."""
    return re.findall(r'<li class="fs-error-msg">([^<]*)</li>', html)


def test_signed_out_routes(client: FlaskClient) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert "You are not signed in." in home.text
    schema = client.get("/schema")
    assert (schema.status_code, schema.headers["Location"]) == (302, "/login?next=/schema")
    api = client.get("/api/schema")
    assert (api.status_code, api.json) == (401, {"error": "authentication required"})
    change = client.get("/change")
    assert (change.status_code, change.headers["Location"]) == (302, "/login?next=/change")
    assert client.get("/login").status_code == 200
    assert client.get("/register").status_code == 404  # registration is off by default
    assert client.get("/logout").status_code == 405  # a link or an <img> cannot sign anyone out
    with client.get("/static/style.css") as style:
        assert (style.status_code, style.mimetype) == (200, "text/css")


def test_signed_in_without_admin_role(client: FlaskClient) -> None:
    assert sign_in(client, *READER).headers["Location"] == "/"
    home = client.get("/")
    assert '<strong id="user-email">reader@example.com</strong> (Rex).' in home.text
    assert "Roles:\n        <em>none</em>" in home.text
    assert 'href="/schema"' not in home.text
    assert client.get("/schema").status_code == 403
    api = client.get("/api/schema")
    assert (api.status_code, api.json) == (403, {"error": "the admin role is required"})
    assert client.get("/change").status_code == 200


def test_admin_sees_schema_page_and_api(client: FlaskClient, tmp_path: Path) -> None:
    sign_in(client, *ADMIN)
    home = client.get("/")
    assert '<span class="tag">admin</span>' in home.text
    assert 'href="/schema"' in home.text
    expected = {
        "database": {
            "url": f"sqlite:///{tmp_path / 'web.db'}",
            "dialect": "sqlite",
            "server_version": sqlite3.sqlite_version,
        },
        "current": [PROJECT_HEAD],
        "heads": [PROJECT_HEAD],
        "at_head": True,
        "pending": [],
        "applied": CHAIN,
        "history": [],  # migrated by flask_migrate.upgrade here, not under our lock: no history rows
        "lint": [],
    }
    api = client.get("/api/schema")
    assert (api.status_code, api.json) == (200, expected)
    page = client.get("/schema")
    assert page.status_code == 200
    assert f'<dd id="current"><code>{PROJECT_HEAD}</code> </dd>' in page.text
    assert f'<dd id="heads"><code>{PROJECT_HEAD}</code> </dd>' in page.text
    assert '<dd id="at-head">at head</dd>' in page.text
    assert "None: nothing to apply." in page.text
    assert f"<td>{REVISION_0001['message']}</td>" in page.text
    assert f'<code id="db-url">sqlite:///{tmp_path / "web.db"}</code>' in page.text


def test_wrong_password_and_unknown_email_get_the_same_answer(client: FlaskClient) -> None:
    wrong = sign_in(client, ADMIN[0], "Not-the-password-1")
    unknown = sign_in(client, "nobody@example.com", ADMIN[1])
    assert (wrong.status_code, unknown.status_code) == (200, 200)
    assert form_errors(wrong.text) == form_errors(unknown.text) == [GENERIC_FAILURE]
    assert client.get("/api/schema").status_code == 401


def test_forms_without_csrf_token_are_refused(client: FlaskClient) -> None:
    refused = client.post("/login", data={"email": ADMIN[0], "password": ADMIN[1]})
    assert refused.status_code == 400
    assert "The CSRF token is missing." in refused.text
    assert client.get("/api/schema").status_code == 401  # not signed in

    sign_in(client, *ADMIN)
    assert client.post("/logout").status_code == 400
    assert client.get("/api/schema").status_code == 200  # still signed in
    change = client.post(
        "/change",
        data={
            "password": ADMIN[1],
            "new_password": "Other-password-2",
            "new_password_confirm": "Other-password-2",
        },
    )
    assert change.status_code == 400


def test_change_password_then_sign_out_and_in_again(client: FlaskClient) -> None:
    sign_in(client, *READER)
    token = csrf_token(client, "/change")
    changed = client.post(
        "/change",
        data={
            "password": READER[1],
            "new_password": "Changed-password-2",
            "new_password_confirm": "Changed-password-2",
            "csrf_token": token,
        },
    )
    assert changed.status_code == 302
    token = csrf_token(client, "/")
    signed_out = client.post("/logout", data={"csrf_token": token})
    assert (signed_out.status_code, signed_out.headers["Location"]) == (302, "/")
    assert client.get("/change").status_code == 302
    assert form_errors(sign_in(client, *READER).text) == [GENERIC_FAILURE]
    assert sign_in(client, READER[0], "Changed-password-2").status_code == 302
    assert client.get("/change").status_code == 200


def test_registration_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRATION_ENABLED", "true")
    client = make_app(f"sqlite:///{tmp_path / 'reg.db'}").test_client()
    assert client.get("/register").status_code == 200
    assert 'href="/register"' in client.get("/").text


def test_healthz_at_head(client: FlaskClient) -> None:
    health = client.get("/healthz")
    assert (health.status_code, health.json) == (
        200,
        {
            "status": "ok",
            "database": "ok",
            "schema": "at head",
            "current": [PROJECT_HEAD],
            "heads": [PROJECT_HEAD],
        },
    )


def test_healthz_not_at_head(tmp_path: Path) -> None:
    health = make_app(f"sqlite:///{tmp_path / 'old.db'}", revision="0001").test_client().get("/healthz")
    assert (health.status_code, health.json) == (
        503,
        {
            "status": "unavailable",
            "database": "ok",
            "schema": "not at head",
            "current": ["0001"],
            "heads": [PROJECT_HEAD],
        },
    )


def test_healthz_database_unreachable(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    _apps.append(app)
    health = app.test_client().get("/healthz")
    assert (health.status_code, health.json) == (
        503,
        {"status": "unavailable", "database": "unreachable", "schema": "unknown"},
    )


def test_production_session_cookie_is_secure_httponly_samesite(app: Flask) -> None:
    prepare(app, allow_not_at_head=False)
    response = app.test_client().get("/login")  # the session (holding the CSRF secret) starts here
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "; Secure; HttpOnly; Path=/; SameSite=Lax" in cookie


def test_production_refuses_a_schema_not_at_head(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'old.db'}", revision="0001")
    with pytest.raises(
        SchemaNotAtHead, match=rf"^the database \(sqlite:///.*old.db\) is at 0001, not at head {PROJECT_HEAD}"
    ):
        prepare(app, allow_not_at_head=False)
    prepare(app, allow_not_at_head=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True


GOOD = TEST_SECRETS["SECRET_KEY"]
OTHER = TEST_SECRETS["SECURITY_PASSWORD_SALT"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"SECRET_KEY": GOOD, "SECURITY_PASSWORD_SALT": OTHER, "INSTANCE_SECRETS": ["SECRET_KEY"]},
            "SECRET_KEY is not set: production takes it from the environment (SECRET_KEY or "
            "SECRET_KEY_FILE), not from the development copy in instance/",
        ),
        (
            {"SECRET_KEY": GOOD, "SECURITY_PASSWORD_SALT": ""},
            "SECURITY_PASSWORD_SALT is not set: production takes it from the environment "
            "(SECURITY_PASSWORD_SALT or SECURITY_PASSWORD_SALT_FILE), "
            "not from the development copy in instance/",
        ),
    ],
)
def test_unset_secrets_are_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        check_secrets(config)
    assert str(refused.value) == message


def test_safe_secrets_pass() -> None:
    check_secrets({"SECRET_KEY": GOOD, "SECURITY_PASSWORD_SALT": OTHER, "INSTANCE_SECRETS": []})


def test_schema_state_on_every_backend(database: Database) -> None:
    app = make_app(database.url, revision="0001")
    with app.app_context():
        try:
            behind = schema_state(app)
            upgrade()
            at_head = schema_state(app)
        finally:
            db.engine.dispose()  # before the fixture drops the database
    assert (behind["current"], behind["heads"], behind["at_head"]) == (["0001"], [PROJECT_HEAD], False)
    assert (behind["applied"], behind["pending"]) == ([REVISION_0001], CHAIN[1:])
    assert (at_head["current"], at_head["at_head"], at_head["pending"]) == ([PROJECT_HEAD], True, [])
    assert at_head["applied"] == CHAIN
    expected_dialect = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mysql"}[database.backend]
    assert at_head["database"]["dialect"] == expected_dialect
    assert re.fullmatch(r"\d+(\.\d+)+", at_head["database"]["server_version"])
    # Flask-SQLAlchemy adds ?charset=utf8mb4 to MySQL URLs
    assert at_head["database"]["url"].startswith(mask_url(database.url))


def test_schema_page_shows_history_and_lint_of_pending(tmp_path: Path) -> None:

    from support.cli import run_manage

    directory = migrations_with(tmp_path)
    (directory / "versions" / "0013_drop.py").write_text(
        '"""drop last_name"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f'revision = "0013"\ndown_revision = "{PROJECT_HEAD}"\n\n\n'
        'def upgrade():\n    op.drop_column("auth_user", "last_name")\n\n\n'
        'def downgrade():\n    op.add_column("auth_user", sa.Column("last_name", sa.String(100)))\n'
    )
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_manage("db", "-d", str(directory), "upgrade", PROJECT_HEAD, database_url=url).returncode == 0
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "MIGRATIONS_DIRECTORY": str(directory)}
    )
    with app.app_context():
        create_user(NewUser(email=ADMIN[0], password=ADMIN[1], first_name="Ada", roles=("admin",)))
    client = app.test_client()
    sign_in(client, *ADMIN)
    state = client.get("/api/schema").json
    assert [(r["revision"], r["direction"], r["outcome"]) for r in state["history"]] == [
        (revision, "upgrade", "success") for revision in reversed(PROJECT_REVISIONS)
    ]
    assert all(isinstance(r["duration_ms"], int) for r in state["history"])
    assert state["lint"] == [
        {
            "revision": "0013",
            "code": "drop-column",
            "severity": "error",
            "message": "upgrade() drops column auth_user.last_name",
            "acknowledged": False,
        }
    ]
    page = client.get("/schema").text
    assert "<code>drop-column</code>" in page and "upgrade() drops column auth_user.last_name" in page
    with app.app_context():
        db.engine.dispose()
