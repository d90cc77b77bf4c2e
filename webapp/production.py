"""``runserver --production``: refuse weak secrets, a cheap hash or a schema not at head, then serve.

Each refusal is one rule with its reason in ``notes/security.md``. A signing key anyone can guess
lets them forge a session cookie and be any user; a guessable salt (an HMAC key mixed into every
password) leaves only argon2 between a stolen table and the passwords.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from oramigrate.errors import ConfigurationError, MigrationError

from .config import MIN_SECRET_LENGTH, PRODUCTION_SETTINGS, SECRET_SETTINGS
from .schema_state import require_head

# Values copied from tutorials and quick starts (Flask, Flask-Security, Django, compose files):
# they are public, so a session signed with one can be forged by anyone.
KNOWN_DEFAULTS = frozenset(
    {
        "dev",
        "development",
        "secret",
        "secret-key",
        "secret_key",
        "super-secret",
        "supersecret",
        "change-me",
        "changeme",
        "change_me",
        "changethis",
        "please-change-me",
        "your-secret-key",
        "your_secret_key",
        "yoursecretkey",
        "not-so-secret",
        "insecure",
        "default",
        "password",
        "salt",
        "secret-salt",
        "pf9wkove4ikeaxvy-cqkedphv9cb3ag-wyjilbq_dfw",  # Flask-Security quick start SECRET_KEY
        "146585145368132386173505678016728509634",  # Flask-Security quick start SALT
    }
)
# words that mark a placeholder wherever they appear ("changeme-in-prod-2024-please!")
PLACEHOLDER_WORDS = ("changeme", "change-me", "change_me", "changethis", "replaceme", "placeholder")
# a random 32-character hex string (secrets.token_hex(16)) has ~15 distinct characters
MIN_DISTINCT_CHARACTERS = 10
# zxcvbn's estimate: token_hex(16) scores 94 to 106 bits, token_urlsafe(32) over 138, phrases a person
# makes up ("thisismysupersecretkeyforflaskapp") 70 to 88
MIN_ENTROPY_BITS = 90
# OWASP Password Storage Cheat Sheet, argon2id minimums: (memory KiB, iterations) pairs of equal cost
OWASP_ARGON2_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))
GENERATE = "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"


def estimated_bits(value: str) -> float:
    """zxcvbn's estimate of the guesses ``value`` takes, in bits (first 72 characters: its limit)."""
    import zxcvbn

    return float(zxcvbn.zxcvbn(value[:72])["guesses_log10"]) * math.log2(10)


def _weakness(value: str) -> str | None:
    text = value.strip()
    lowered = text.lower()
    # the pattern is quadratic: long values are judged by their distinct characters instead
    repeated = re.fullmatch(r"(.+?)\1+", lowered, re.DOTALL) if len(lowered) <= 512 else None
    if lowered in KNOWN_DEFAULTS or (repeated is not None and repeated.group(1) in KNOWN_DEFAULTS):
        return "is a published default value"
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return "is a placeholder (it says 'change me')"
    if len(text) < MIN_SECRET_LENGTH:
        return (
            f"is {len(text)} characters long{' after trimming spaces' if text != value else ''}: "
            f"production needs at least {MIN_SECRET_LENGTH}"
        )
    if repeated is not None:
        return f"repeats {repeated.group(1)[:8]!r} {len(lowered) // len(repeated.group(1))} times"
    distinct = len(set(text))
    if distinct < MIN_DISTINCT_CHARACTERS:
        return f"has {distinct} distinct characters: production needs at least {MIN_DISTINCT_CHARACTERS}"
    bits = estimated_bits(text)
    if bits < MIN_ENTROPY_BITS:
        return (
            f"is guessable (about {bits:.0f} bits by zxcvbn's estimate): production needs "
            f"{MIN_ENTROPY_BITS} bits, as a random string has"
        )
    return None


def _instance_copies(instance_path: str | None) -> dict[str, str]:
    """The development secrets kept under instance/, by file name."""
    copies: dict[str, str] = {}
    if instance_path is None:
        return copies
    for name in SECRET_SETTINGS:
        path = Path(instance_path) / name.lower()
        try:
            copies[path.name] = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue
    return copies


def check_secrets(config: Mapping[str, Any], instance_path: str | None = None) -> None:
    """Raise ConfigurationError unless SECRET_KEY and SECURITY_PASSWORD_SALT are safe to serve with."""
    from_instance = set(config.get("INSTANCE_SECRETS", ()))
    copies = _instance_copies(instance_path)
    for name in SECRET_SETTINGS:
        value = config.get(name)
        if name in from_instance or not value or not str(value).strip():
            raise ConfigurationError(
                f"{name} is not set: production takes it from the environment ({name} or {name}_FILE), "
                "not from the development copy in instance/"
            )
        text = str(value)
        for file_name, copy in copies.items():
            if copy and text.strip() == copy:
                raise ConfigurationError(
                    f"{name} is the development secret kept in instance/{file_name}: production needs "
                    f"its own; {GENERATE}"
                )
        weakness = _weakness(text)
        if weakness is not None:
            raise ConfigurationError(f"{name} {weakness}; {GENERATE}")
    key, salt = (str(config[name]).strip() for name in SECRET_SETTINGS)
    if key == salt:
        raise ConfigurationError(
            "SECRET_KEY and SECURITY_PASSWORD_SALT are the same value: one leaked would give both; "
            "generate each separately"
        )


def check_hash_cost(app: Flask) -> None:
    """Raise ConfigurationError unless the password hash is argon2id at OWASP's cost or above."""
    hash_name = app.config.get("SECURITY_PASSWORD_HASH")
    if hash_name != "argon2":
        raise ConfigurationError(f"SECURITY_PASSWORD_HASH is {hash_name!r}: production hashes with argon2")
    handler = app.extensions["security"].pwd_context.handler("argon2")
    # passlib's configured handler: the cost every new hash gets
    memory, rounds, lanes = int(handler.memory_cost), int(handler.default_rounds), int(handler.parallelism)
    variant = str(handler.type).lower()
    strong = any(memory >= m and rounds >= t for m, t in OWASP_ARGON2_MINIMUMS)
    if variant != "id" or not strong or lanes < 1:
        raise ConfigurationError(
            f"SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS: argon2{variant} with memory_cost={memory} KiB "
            f"and rounds={rounds} is below OWASP's minimum for production (argon2id, 19456 KiB and "
            "2 rounds, or an equal-cost pair): unset it to use the defaults"
        )


def prepare(app: Flask, *, allow_not_at_head: bool) -> None:
    """Check secrets, hash cost, schema and salt, then switch the app to production settings."""
    from .salt import require_match

    check_secrets(app.config, app.instance_path)
    check_hash_cost(app)
    if not allow_not_at_head:
        require_head(app)
    with app.app_context():
        require_match(app)
    app.debug = False
    app.config.update(PRODUCTION_SETTINGS)


class AddressUnavailable(MigrationError):
    """The server cannot listen where it was told to (port in use, address not on this host)."""


def serve(app: Flask, *, host: str, port: int, threads: int, listening: Callable[[], None]) -> None:
    """Serve a prepared ``app`` with waitress, calling ``listening`` once bound; returns when it stops."""
    import waitress

    require_free(host, port)
    server = waitress.create_server(app, host=host, port=port, threads=threads, ident="webapp")
    listening()
    server.run()


def require_free(host: str, port: int) -> None:
    """AddressUnavailable unless ``host:port`` can be bound now, as waitress binds it (SO_REUSEADDR).

    Tried here because waitress, when its own bind fails, leaves its socket and wake-up pipe open.
    """
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        # in use, not an address of this host, a privileged port, a name that does not resolve
        raise AddressUnavailable(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port or --host)"
        ) from None
