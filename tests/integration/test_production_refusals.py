"""``runserver --production`` refuses each weak secret, a cheap hash and a foreign salt with one line.

Through the CLI in this process (click's runner): a refusal returns before anything listens.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import TEST_SECRETS
from support.inputs import CHEAP_HASH, invoke, only_error, seeded, settings_environment

from oramigrate.errors import ConfigurationError
from webapp.production import check_secrets

KEY, SALT = TEST_SECRETS["SECRET_KEY"], TEST_SECRETS["SECURITY_PASSWORD_SALT"]
GENERATE = "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
DEFAULT_COST = {"SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": ""}


@pytest.fixture(scope="module")
def busy_port() -> Iterator[str]:
    """A port in use: a run that refuses nothing fails on it instead of serving for ever."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield str(listener.getsockname()[1])


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A seeded database at head (its users hashed under the test salt)."""
    path = tmp_path_factory.mktemp("production") / "app.db"
    seeded(f"sqlite:///{path}")
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("env", "error"),
    [
        (
            {"SECRET_KEY": " " * 40},
            "SECRET_KEY is not set: production takes it from the environment "
            "(SECRET_KEY or SECRET_KEY_FILE), not from the development copy in instance/",
        ),
        ({"SECRET_KEY": "a" * 32}, f"SECRET_KEY repeats 'a' 32 times; {GENERATE}"),
        ({"SECRET_KEY": "changeme" * 4}, f"SECRET_KEY is a published default value; {GENERATE}"),
        (
            {"SECRET_KEY": "ChangeMe-in-production-" + KEY},
            f"SECRET_KEY is a placeholder (it says 'change me'); {GENERATE}",
        ),
        (
            {"SECURITY_PASSWORD_SALT": "  short-salt-value  "},
            "SECURITY_PASSWORD_SALT is 16 characters "
            f"long after trimming spaces: production needs at least 32; {GENERATE}",
        ),
        (
            {"SECRET_KEY": "abababababababababababababababab1"},
            f"SECRET_KEY has 3 distinct characters: production needs at least 10; {GENERATE}",
        ),
        (
            {"SECRET_KEY": "abcdefghijklmnopqrstuvwxyz0123456789"},
            "SECRET_KEY is guessable (about 14 bits "
            f"by zxcvbn's estimate): production needs 90 bits, as a random string has; {GENERATE}",
        ),
        (
            {"SECRET_KEY": "thisismysupersecretkeyforflaskapp"},
            "SECRET_KEY is guessable (about 88 bits by "
            f"zxcvbn's estimate): production needs 90 bits, as a random string has; {GENERATE}",
        ),
        (
            {"SECURITY_PASSWORD_SALT": KEY},
            "SECRET_KEY and SECURITY_PASSWORD_SALT are the same value: one "
            "leaked would give both; generate each separately",
        ),
        (
            CHEAP_HASH,
            "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS: argon2id with memory_cost=8 KiB and rounds=1 "
            "is below OWASP's minimum for production (argon2id, 19456 KiB and 2 rounds, or an equal-cost "
            "pair): unset it to use the defaults",
        ),
        (
            {
                "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": json.dumps(
                    {"argon2__memory_cost": 19456, "argon2__rounds": 1}
                )
            },
            "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS: argon2id with memory_cost=19456 KiB and rounds=1 is "
            "below OWASP's minimum for production (argon2id, 19456 KiB and 2 rounds, or an equal-cost pair): "
            "unset it to use the defaults",
        ),
        (
            {"SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": json.dumps({"argon2__type": "i"})},
            "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS: argon2i with memory_cost=65536 KiB and rounds=3 is "
            "below OWASP's minimum for production (argon2id, 19456 KiB and 2 rounds, or an equal-cost pair): "
            "unset it to use the defaults",
        ),
    ],
    ids=[
        "40-spaces",
        "32-a",
        "changeme-x4",
        "placeholder",
        "short-after-trim",
        "few-distinct",
        "sequence",
        "phrase",
        "key-equals-salt",
        "test-argon2-cost",
        "below-owasp",
        "argon2i",
    ],
)
def test_weak_settings_refused_with_one_line(
    url: str, busy_port: str, env: dict[str, str], error: str
) -> None:
    result = invoke(
        ["runserver", "--production", "--port", busy_port], {**DEFAULT_COST, "DATABASE_URL": url, **env}
    )
    assert result.exit_code == 2
    assert only_error(result) == f"Error: {error}"
    assert result.stdout == ""


def test_the_development_secret_copied_from_instance_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text(KEY + "\n")
    with pytest.raises(ConfigurationError) as refused:
        check_secrets({"SECRET_KEY": KEY, "SECURITY_PASSWORD_SALT": SALT}, str(tmp_path))
    assert str(refused.value) == (
        "SECRET_KEY is the development secret kept in instance/secret_key: production needs its own; "
        + GENERATE
    )


def test_a_salt_other_than_the_seeding_one_is_refused_in_production_and_warned_in_development(
    url: str,
) -> None:
    other = "Zq3" + SALT[3:]
    refused = invoke(
        ["runserver", "--production"], {**DEFAULT_COST, "DATABASE_URL": url, "SECURITY_PASSWORD_SALT": other}
    )
    assert refused.exit_code == 2
    line = only_error(refused)
    assert line.startswith(
        "Error: SECURITY_PASSWORD_SALT is not the salt the users' passwords were hashed with"
    )
    assert line.endswith(
        "run with the seeding salt, or set every password again with `dbCreateRegUser --update`"
    )

    from models import db
    from webapp import create_app
    from webapp.salt import fingerprint, mismatch, recorded

    with settings_environment(SECURITY_PASSWORD_SALT=other):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            assert recorded(app) == fingerprint(SALT)
            assert mismatch(app) is not None
            db.engine.dispose()


def test_seeding_under_another_salt_warns_and_records_the_new_one(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    seeded(f"sqlite:///{path}")
    other = "Zq3" + SALT[3:]
    result = invoke(
        ["dbCreateRegUser", "--email", "new@example.com", "--password-stdin"],
        {"DATABASE_URL": f"sqlite:///{path}", "SECURITY_PASSWORD_SALT": other},
        input="Tidal-pool-73\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "created user new@example.com\n"
    assert result.stderr.startswith(
        "Warning: SECURITY_PASSWORD_SALT differs from the one earlier users were seeded with"
    )
