"""Sessions end when the CLI changes a credential; failed sign-ins are throttled; errors are styled pages.

A browser session is Flask's test client on a real, migrated SQLite database; the CLI is the
``dbCreateRegUser`` command through ``app.test_cli_runner()`` on the same application.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from support.inputs import ADMIN, CHEAP_OPTIONS, STAFF, seeded, settings_environment

from models import db
from webapp import create_app
from webapp.commands import create_reg_user

GENERIC_FAILURE = "Authentication failed - identity or password/passcode invalid"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite database at head (admin and staff), copied for each test."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    seeded(f"sqlite:///{path}")
    return path


@pytest.fixture
def make_app(template: Path, tmp_path: Path) -> Iterator[Any]:
    """make_app(**config): the application on a fresh copy of the seeded database."""
    apps: list[Flask] = []

    def make(**config: Any) -> Flask:
        copy = tmp_path / f"app{len(apps)}.db"
        copy.write_bytes(template.read_bytes())
        settings = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}",
            "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": CHEAP_OPTIONS,
            **config,
        }
        app = create_app(settings)
        apps.append(app)
        return app

    with settings_environment():
        yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def sign_in(client: FlaskClient, email: str, password: str, **extra: str) -> Any:
    """Post the login form as a browser would."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.text)
    assert token is not None, page.text
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token[1], **extra})


def signed_in_as(client: FlaskClient) -> str | None:
    """The email the home page greets, or None."""
    found = re.search(r'<strong id="user-email">([^<]*)</strong>', client.get("/").text)
    return found[1] if found else None


def cli(app: Flask, *args: str, input: str | None = None) -> Any:
    """``dbCreateRegUser ARGS`` on ``app``."""
    result = app.test_cli_runner().invoke(create_reg_user, list(args), input=input)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


# sessions


def test_a_cli_password_change_ends_sessions_and_remember_me(make_app: Any) -> None:
    app = make_app()
    browser, remembered = app.test_client(), app.test_client()
    assert sign_in(browser, *STAFF).status_code == 302
    assert sign_in(remembered, *STAFF, remember="y").status_code == 302
    cookie = remembered.get_cookie("remember_token")
    assert cookie is not None
    cli(app, "--email", STAFF[0], "--update", "--password-stdin", input="Another-river-92\n")
    assert signed_in_as(browser) is None
    assert browser.get("/change").status_code == 302  # back to the login page
    # only the remember-me cookie, as after closing the browser
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    assert signed_in_as(fresh) is None
    assert sign_in(app.test_client(), "staff@example.com", "Another-river-92").status_code == 302


def test_deactivate_then_reactivate_does_not_revive_a_session(make_app: Any) -> None:
    app = make_app()
    browser = app.test_client()
    sign_in(browser, *STAFF)
    assert signed_in_as(browser) == STAFF[0]
    cli(app, "--email", STAFF[0], "--update", "--inactive")
    assert signed_in_as(browser) is None
    cli(app, "--email", STAFF[0], "--update", "--active")
    assert signed_in_as(browser) is None
    assert sign_in(browser, *STAFF).status_code == 302


def test_a_names_only_update_keeps_the_session(make_app: Any) -> None:
    app = make_app()
    browser = app.test_client()
    sign_in(browser, *STAFF)
    cli(app, "--email", STAFF[0], "--update", "--last-name", "Spade")
    assert signed_in_as(browser) == STAFF[0]


# throttling


def test_sixth_wrong_sign_in_gets_429_and_the_right_password_waits_for_the_window(make_app: Any) -> None:
    # a window of 3 s, not a minute: five failures fit in it even on a loaded machine
    app = make_app(LOGIN_RATE_LIMIT="5 per 3 seconds")
    client = app.test_client()
    for attempt in range(5):
        assert sign_in(client, STAFF[0], "Wrong-guess-12").status_code == 200
        if attempt == 0:
            first = time.monotonic()  # the failure was counted before its answer came back
    refused = sign_in(client, STAFF[0], "Wrong-guess-12")
    assert refused.status_code == 429
    assert 0 <= int(refused.headers["Retry-After"]) <= 3
    assert "Too many failed attempts: try again in" in refused.text
    assert 'href="/login">Sign in</a>' in refused.text  # the navigation
    assert sign_in(client, *STAFF).status_code == 429
    assert signed_in_as(client) is None
    # moving window: the first failure leaves it 3 s after it was counted, and the budget opens
    time.sleep(max(0.0, first + 3.1 - time.monotonic()))
    assert sign_in(client, *STAFF).status_code == 302
    assert signed_in_as(client) == STAFF[0]


def test_successful_sign_ins_are_not_counted(make_app: Any) -> None:
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(4):
        assert sign_in(client, *STAFF).status_code == 302
        client.post("/logout", data={"csrf_token": _token(client)})
    assert signed_in_as(client) is None


def _token(client: FlaskClient) -> str:
    found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', client.get("/").text)
    assert found is not None
    return found[1]


def test_the_limit_is_per_address_across_accounts_and_per_account_across_addresses(make_app: Any) -> None:
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    one = app.test_client()
    one.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    assert sign_in(one, "a@example.com", "Wrong-guess-12").status_code == 200
    assert sign_in(one, "b@example.com", "Wrong-guess-12").status_code == 200
    assert sign_in(one, "c@example.com", "Wrong-guess-12").status_code == 429  # same address
    for n in range(2, 4):
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"192.0.2.{n}"
        assert sign_in(other, STAFF[0], "Wrong-guess-12").status_code == 200
    last = app.test_client()
    last.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert sign_in(last, STAFF[0].upper(), STAFF[1]).status_code == 429  # same account, any case


def test_change_password_is_throttled_per_account(make_app: Any) -> None:
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    sign_in(client, *STAFF)

    def change(current: str) -> int:
        page = client.get("/change")
        token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.text)
        assert token is not None
        form = {"password": current, "new_password": "Brand-new-77", "new_password_confirm": "Brand-new-77"}
        return client.post("/change", data={**form, "csrf_token": token[1]}).status_code

    assert (change("Wrong-guess-12"), change("Wrong-guess-12")) == (200, 200)
    assert change(STAFF[1]) == 429


def test_failed_sign_ins_per_account_on_the_schema_page(make_app: Any) -> None:
    app = make_app(LOGIN_LOCKOUT_ATTEMPTS=3)
    for _ in range(3):
        sign_in(app.test_client(), STAFF[0], "Wrong-guess-12")
    sign_in(app.test_client(), "nobody@example.com", "Wrong-guess-12")  # no account: not listed
    admin = app.test_client()
    sign_in(admin, *ADMIN)
    table = re.search(r'<table id="failed-sign-ins">.*?</table>', admin.get("/schema").text, re.DOTALL)
    assert table is not None
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>([^<]*)</td></tr>", table[0])
    assert len(rows) == 1 and rows[0][:2] == ("3", STAFF[0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[0][2])  # locked until


# lock-out (webapp/lockout.py): counted in the database, Flask-Security's is_locked hook


def failures(app: Flask, email: str) -> tuple[int, Any]:
    """auth_user.failed_logins and last_failed_login_at of ``email``, read from the database."""
    from sqlalchemy import select

    from models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user.failed_logins, user.last_failed_login_at


LOCKING = {"LOGIN_RATE_LIMIT": "100 per minute", "LOGIN_LOCKOUT_ATTEMPTS": 3, "LOGIN_LOCKOUT_SECONDS": 2}


def test_consecutive_failures_lock_the_account_until_the_lock_expires(make_app: Any) -> None:
    app = make_app(**LOCKING)
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, STAFF[0], "Wrong-guess-12").status_code == 200
    count, locked_at = failures(app, STAFF[0])
    assert count == 3
    refused = sign_in(client, *STAFF)
    # the right password, refused with the same words as a wrong one: a lock says nothing of the password
    assert (refused.status_code, signed_in_as(client)) == (200, None)
    assert GENERIC_FAILURE in refused.text
    # a failure while locked is counted but does not move the lock's end
    assert sign_in(client, STAFF[0], "Wrong-guess-12").status_code == 200
    assert failures(app, STAFF[0]) == (4, locked_at)
    time.sleep(max(0.0, (locked_at - _utc_now()).total_seconds() + 2.2))
    assert sign_in(client, *STAFF).status_code == 302
    assert signed_in_as(client) == STAFF[0]
    assert failures(app, STAFF[0]) == (0, None)


def test_after_the_lock_each_failure_locks_again(make_app: Any) -> None:
    app = make_app(**LOCKING)
    for _ in range(3):
        sign_in(app.test_client(), STAFF[0], "Wrong-guess-12")
    _, locked_at = failures(app, STAFF[0])
    time.sleep(max(0.0, (locked_at - _utc_now()).total_seconds() + 2.2))
    client = app.test_client()
    assert sign_in(client, STAFF[0], "Wrong-guess-12").status_code == 200
    assert sign_in(client, *STAFF).status_code == 200  # locked again by that one failure
    assert signed_in_as(client) is None


def test_a_successful_sign_in_resets_the_count(make_app: Any) -> None:
    app = make_app(**LOCKING)
    client = app.test_client()
    for _ in range(2):
        sign_in(client, STAFF[0], "Wrong-guess-12")
    assert sign_in(client, *STAFF).status_code == 302
    assert failures(app, STAFF[0]) == (0, None)
    client.post("/logout", data={"csrf_token": _token(client)})
    for _ in range(2):
        sign_in(client, STAFF[0], "Wrong-guess-12")
    assert sign_in(client, *STAFF).status_code == 302  # 2 + 2 failures, but never 3 in a row


def test_a_new_password_from_the_cli_unlocks(make_app: Any) -> None:
    app = make_app(**{**LOCKING, "LOGIN_LOCKOUT_SECONDS": 3600})
    for _ in range(3):
        sign_in(app.test_client(), STAFF[0], "Wrong-guess-12")
    assert sign_in(app.test_client(), *STAFF).status_code == 200
    cli(app, "--email", STAFF[0], "--update", "--password-stdin", input="Another-river-92\n")
    assert failures(app, STAFF[0]) == (0, None)
    assert sign_in(app.test_client(), STAFF[0], "Another-river-92").status_code == 302


def test_unlock_from_the_cli_ends_the_lock_and_keeps_the_password(make_app: Any) -> None:
    app = make_app(**{**LOCKING, "LOGIN_LOCKOUT_SECONDS": 3600})
    for _ in range(3):
        sign_in(app.test_client(), STAFF[0], "Wrong-guess-12")
    assert sign_in(app.test_client(), *STAFF).status_code == 200  # locked: the right password refused
    unlocked = cli(app, "--email", STAFF[0], "--update", "--unlock")
    assert unlocked.output == f"updated user {STAFF[0]}: failed_logins\n"
    assert failures(app, STAFF[0]) == (0, None)
    browser = app.test_client()
    assert sign_in(browser, *STAFF).status_code == 302  # the same password as before
    # nothing to unlock: unchanged; without --update: refused, nothing changed
    assert cli(app, "--email", STAFF[0], "--update", "--unlock").output == f"user {STAFF[0]} unchanged\n"
    refused = app.test_cli_runner().invoke(create_reg_user, ["--email", STAFF[0], "--unlock"])
    assert str(refused.exception) == "--unlock changes an existing user: add --update"  # one Error: line
    assert signed_in_as(browser) == STAFF[0]  # an unlock is no credential change: sessions stay


def test_no_lock_when_attempts_is_zero(make_app: Any) -> None:
    app = make_app(**{**LOCKING, "LOGIN_LOCKOUT_ATTEMPTS": 0})
    for _ in range(4):
        sign_in(app.test_client(), STAFF[0], "Wrong-guess-12")
    assert failures(app, STAFF[0])[0] == 4  # still counted for the Schema page
    assert sign_in(app.test_client(), *STAFF).status_code == 302


def _utc_now() -> Any:
    from models import utc_now

    return utc_now()


def test_a_bad_rate_setting_is_one_line(tmp_path: Path) -> None:
    from oramigrate.errors import ConfigurationError
    from webapp.config import load

    base = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "SECURITY_PASSWORD_SALT": "y"}
    with pytest.raises(ConfigurationError) as refused:
        load(str(tmp_path), {**base, "LOGIN_RATE_LIMIT": "often"})
    assert str(refused.value) == "LOGIN_RATE_LIMIT must be a rate such as '5 per minute', not 'often'"
    with pytest.raises(
        ConfigurationError, match=r"^RATELIMIT_STORAGE_URI: unknown storage 'nosuch' \(known: "
    ):
        load(str(tmp_path), {**base, "RATELIMIT_STORAGE_URI": "nosuch://x"})
    with pytest.raises(ConfigurationError, match=r"^RATELIMIT_STORAGE_URI: memcached cannot keep a moving"):
        load(str(tmp_path), {**base, "RATELIMIT_STORAGE_URI": "memcached://localhost:11211"})
    for name, raw, message in [
        (
            "LOGIN_LOCKOUT_ATTEMPTS",
            "ten",
            "LOGIN_LOCKOUT_ATTEMPTS must be a whole number of failed sign-ins, not 'ten'",
        ),
        (
            "LOGIN_LOCKOUT_ATTEMPTS",
            "-1",
            "LOGIN_LOCKOUT_ATTEMPTS must be a whole number of failed sign-ins, not '-1'",
        ),
        (
            "LOGIN_LOCKOUT_SECONDS",
            "0",
            "LOGIN_LOCKOUT_SECONDS must be a whole number of at least 1 of seconds, not '0'",
        ),
        (
            "LOGIN_LOCKOUT_SECONDS",
            "9" * 400,
            "LOGIN_LOCKOUT_SECONDS must be a whole number of at least 1 of seconds, not '" + "9" * 40 + "'",
        ),
        ("TRUSTED_PROXIES", "one", "TRUSTED_PROXIES must be a whole number of proxies, not 'one'"),
    ]:
        with pytest.raises(ConfigurationError) as refused:
            load(str(tmp_path), {**base, name: raw})
        assert str(refused.value) == message
    assert (
        load(str(tmp_path), base)["LOGIN_LOCKOUT_ATTEMPTS"],
        load(str(tmp_path), base)["LOGIN_LOCKOUT_SECONDS"],
    ) == (10, 900)


# error pages


def test_error_pages_are_styled_with_the_navigation(make_app: Any) -> None:
    app = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    @app.get("/forbidden")
    def forbidden() -> str:
        abort(403)

    client = app.test_client()
    sign_in(client, *STAFF)
    for path, status, title in [
        ("/schema", 403, "Not allowed"),
        ("/no-such-page", 404, "Not found"),
        ("/boom", 500, "Something went wrong"),
    ]:
        app.testing = path != "/boom"  # TESTING re-raises; a server answers 500
        page = client.get(path)
        assert page.status_code == status, path
        assert f'<h1 id="error-title">{title}</h1>' in page.text
        assert '<link rel="stylesheet" href="/static/style.css">' in page.text
        assert 'href="/change">Change password</a>' in page.text  # the signed-in navigation
    assert client.get("/api/nothing").json == {"error": "There is no page at this address."}


def test_production_sends_hsts(make_app: Any) -> None:
    from webapp.production import prepare

    app = make_app(SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS={})
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    prepare(app, allow_not_at_head=False)
    assert (
        app.test_client().get("/").headers["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains"
    )


def test_every_answer_carries_the_security_headers_and_a_views_own_value_wins(make_app: Any) -> None:
    from webapp.security import CONTENT_SECURITY_POLICY

    app = make_app()

    @app.get("/own-policy")
    def own_policy() -> Any:
        return "x", 200, {"Content-Security-Policy": "default-src 'none'"}

    client = app.test_client()
    expected = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    for path, status in (("/", 200), ("/healthz", 200), ("/login", 200), ("/nothing", 404)):
        answer = client.get(path)
        assert answer.status_code == status, path
        assert {name: answer.headers.get_all(name) for name in expected} == {
            name: [value] for name, value in expected.items()
        }, path
    assert client.get("/own-policy").headers.get_all("Content-Security-Policy") == ["default-src 'none'"]


def test_the_limiter_answers_only_the_posts_it_throttles(make_app: Any) -> None:
    # its hooks run for the sign-in POST (rate headers, the failure deducted) and skip the rest
    app = make_app(LOGIN_RATE_LIMIT="5 per 60 seconds", LOGIN_RATE_LIMIT_PER_IP="50 per 60 seconds")
    client = app.test_client()
    failed = sign_in(client, STAFF[0], "Wrong-guess-12")
    assert (failed.headers["X-RateLimit-Limit"], failed.headers["X-RateLimit-Remaining"]) == ("5", "4")
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers
    assert "X-RateLimit-Limit" not in client.get("/login").headers
    again = sign_in(client, STAFF[0], "Wrong-guess-12")
    assert again.headers["X-RateLimit-Remaining"] == "3"
