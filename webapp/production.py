"""``runserver --production``: refuse unsafe secrets or a schema not at head, then serve with waitress."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from oramigrate.errors import ConfigurationError

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


def check_secrets(config: Mapping[str, Any]) -> None:
    """Raise ConfigurationError unless SECRET_KEY and SECURITY_PASSWORD_SALT are safe to serve with."""
    from_instance = set(config.get("INSTANCE_SECRETS", ()))
    for name in SECRET_SETTINGS:
        value = config.get(name)
        if name in from_instance or not value:
            raise ConfigurationError(
                f"{name} is not set: production takes it from the environment ({name} or {name}_FILE), "
                "not from the development copy in instance/"
            )
        text = str(value)
        if text.strip().lower() in KNOWN_DEFAULTS:
            raise ConfigurationError(f"{name} is a published default value: generate a new random one")
        if len(text) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"{name} is {len(text)} characters long: production needs at least {MIN_SECRET_LENGTH} "
                "(for example `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )


def prepare(app: Flask, *, allow_not_at_head: bool) -> None:
    """Check secrets and schema, then switch the app to production settings (secure cookies, no debug)."""
    check_secrets(app.config)
    if not allow_not_at_head:
        require_head(app)
    app.debug = False
    app.config.update(PRODUCTION_SETTINGS)


def serve(app: Flask, *, host: str, port: int, threads: int) -> None:
    """Serve a prepared ``app`` with waitress; returns when the server stops."""
    import waitress

    waitress.serve(app, host=host, port=port, threads=threads, ident="webapp")
