"""Application configuration: defaults, then the environment (and ``*_FILE`` secrets), then tests."""

from __future__ import annotations

import json
import os
import secrets
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from oramigrate.errors import ConfigurationError
from oramigrate.settings import database_url, env_secret, missing_password

# Secrets the application refuses to run in production without; development keeps its own.
SECRET_SETTINGS = ("SECRET_KEY", "SECURITY_PASSWORD_SALT")
MIN_SECRET_LENGTH = 32

# Applied by `runserver --production` only: browsers drop Secure cookies over plain http, which
# the development server speaks, and HSTS would pin a developer's localhost to https for a year.
PRODUCTION_SETTINGS: dict[str, Any] = {
    "DEBUG": False,
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_SECURE": True,
    "PREFERRED_URL_SCHEME": "https",
    "STRICT_TRANSPORT_SECURITY": "max-age=31536000; includeSubDomains",
}

# failed sign-ins allowed per account (and per client address) before 429: OWASP's advice is a
# handful per minute, and a person who mistypes five times in a minute waits at most a minute
DEFAULT_LOGIN_RATE_LIMIT = "5 per minute"
# 10 failures in a row are more than a person mistypes and, with the per-minute throttle, at most
# 10 guesses a quarter hour; 15 minutes is OWASP's example (Authentication Cheat Sheet, lockout)
DEFAULT_LOCKOUT_ATTEMPTS = 10
DEFAULT_LOCKOUT_SECONDS = 15 * 60
# zxcvbn's score 3: "safely unguessable", ~10^10 guesses (Flask-Security's default minimum)
MIN_PASSWORD_SCORE = 3


def _instance_secret(instance_path: str, name: str) -> str:
    """A development secret made once and kept (mode 0600) under the instance folder."""
    path = Path(instance_path) / name.lower()
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


def _passlib_options(environ: Mapping[str, str]) -> dict[str, Any]:
    """SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS from the environment (JSON), checked by passlib itself."""
    name = "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS"
    raw = environ.get(name)
    if not raw:
        return {}
    example = '{"argon2__rounds": 1, "argon2__memory_cost": 8, "argon2__parallelism": 1}'
    try:
        options = json.loads(raw)
    except ValueError:
        options = None
    if not isinstance(options, dict):
        raise ConfigurationError(f"{name} must be a JSON object, for example {example}")
    from passlib.context import CryptContext

    # a typo would otherwise surface as a traceback from Flask-Security's init, or a silent default
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            CryptContext(schemes=["argon2", "bcrypt", "plaintext"], default="argon2", **options)
    except (KeyError, ValueError, TypeError, Warning) as exc:
        raise ConfigurationError(f"{name}: {str(exc).strip(chr(34))}") from None
    return options


def _rate_limit(environ: Mapping[str, str], name: str, default: str | None) -> str | None:
    """A Flask-Limiter limit such as "5 per minute" from the environment, checked by ``limits``."""
    raw = environ.get(name)
    if not raw:
        return default
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a rate such as '5 per minute', not {raw!r}") from None
    return raw


def _limiter_storage(environ: Mapping[str, str]) -> str:
    """RATELIMIT_STORAGE_URI: in memory by default; a store shared by every instance otherwise."""
    name = "RATELIMIT_STORAGE_URI"
    raw = environ.get(name)
    if not raw:
        return "memory://"
    from limits._storage_scheme import SCHEMES
    from limits.storage import MovingWindowSupport

    scheme = raw.partition("://")[0]
    if scheme not in SCHEMES:
        known = ", ".join(sorted(s for s in SCHEMES if not s.startswith("async+")))
        raise ConfigurationError(f"{name}: unknown storage {scheme!r} (known: {known})")
    if not issubclass(SCHEMES[scheme], MovingWindowSupport):
        raise ConfigurationError(f"{name}: {scheme} cannot keep a moving window (use memory://, redis://)")
    return raw


def _whole_number(environ: Mapping[str, str], name: str, default: int, what: str, least: int = 0) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    # bounded: a number of a thousand digits is no setting anyone means
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < least:
        at_least = f" of at least {least}" if least else ""
        raise ConfigurationError(f"{name} must be a whole number{at_least} of {what}, not {raw[:40]!r}")
    return int(raw)


def load(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings for one application instance, read from ``environ``."""
    environ = os.environ if environ is None else environ
    default_url = f"sqlite:///{Path(instance_path) / 'app.db'}"
    # the project folder, which holds instance/: `sqlite:///instance/app.db` is the default written out
    project = Path(instance_path).parent
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database_url(environ, default_url, project),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # the split Oracle form with no password: what connecting says (a --sql script needs none)
        "DATABASE_PASSWORD_MISSING": missing_password(environ),
        "SECURITY_PASSWORD_HASH": "argon2",
        # cost parameters of the hash; tests set a cheap argon2 cost here, production keeps passlib's
        "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": _passlib_options(environ),
        "SECURITY_REGISTERABLE": _flag(environ, "REGISTRATION_ENABLED", False),
        "SECURITY_CHANGEABLE": True,
        "SECURITY_SEND_REGISTER_EMAIL": False,
        "SECURITY_SEND_PASSWORD_CHANGE_EMAIL": False,
        "SECURITY_CLI_USERS_NAME": False,
        "SECURITY_CLI_ROLES_NAME": False,
        "SECURITY_EMAIL_VALIDATOR_ARGS": {"check_deliverability": False},
        # strength by zxcvbn (webapp/passwords.py adds the email and length rules)
        "SECURITY_PASSWORD_COMPLEXITY_CHECKER": "zxcvbn",
        "SECURITY_ZXCVBN_MINIMUM_SCORE": MIN_PASSWORD_SCORE,
        # a failed sign-in says the same whether or not the email exists (no account discovery)
        "SECURITY_RETURN_GENERIC_RESPONSES": True,
        "SECURITY_LOGOUT_METHODS": ["POST"],
        "SECURITY_POST_LOGOUT_VIEW": "/",
        # CSRFProtect checks every POST of the application, Flask-Security's forms included;
        # unauthenticated endpoints (login, register) are not exempt, against login CSRF
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_CHECK_DEFAULT": True,
        "SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "INSTANCE_SECRETS": [],
        "LOGIN_RATE_LIMIT": _rate_limit(environ, "LOGIN_RATE_LIMIT", DEFAULT_LOGIN_RATE_LIMIT),
        "LOGIN_RATE_LIMIT_PER_IP": _rate_limit(environ, "LOGIN_RATE_LIMIT_PER_IP", None),
        "RATELIMIT_STORAGE_URI": _limiter_storage(environ),
        "RATELIMIT_KEY_PREFIX": "webapp",
        # behind a reverse proxy every client has the proxy's address: trust this many X-Forwarded-For hops
        "TRUSTED_PROXIES": _whole_number(environ, "TRUSTED_PROXIES", 0, "proxies"),
        # consecutive failed sign-ins that lock an account (0: never), and for how long (webapp/lockout.py)
        "LOGIN_LOCKOUT_ATTEMPTS": _whole_number(
            environ, "LOGIN_LOCKOUT_ATTEMPTS", DEFAULT_LOCKOUT_ATTEMPTS, "failed sign-ins"
        ),
        "LOGIN_LOCKOUT_SECONDS": _whole_number(
            environ, "LOGIN_LOCKOUT_SECONDS", DEFAULT_LOCKOUT_SECONDS, "seconds", least=1
        ),
    }
    for name in SECRET_SETTINGS:
        value = env_secret(name, environ)
        if value is None:
            value = _instance_secret(instance_path, name)
            config["INSTANCE_SECRETS"].append(name)
        config[name] = value
    return config
