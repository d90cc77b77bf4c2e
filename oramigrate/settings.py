"""Settings from the environment: secrets from variables or ``*_FILE`` paths, database URLs."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .errors import ConfigurationError

# ORACLE_DSN in Easy Connect form: host[:port]/service_name
_EASY_CONNECT = re.compile(r"^(?P<host>[^:/\s]+)(?::(?P<port>\d+))?/(?P<service>[^\s/?]+)$")


def env_secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Return secret ``name`` from the environment, or from the file named by ``name_FILE``."""
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value:
        return value
    path = environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            content = handle.read().rstrip("\r\n")
    except OSError as exc:
        raise ConfigurationError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
    if not content:
        raise ConfigurationError(f"{name}_FILE: {path} is empty")
    return content


def parse_database_url(raw: str, source: str = "DATABASE_URL") -> URL:
    """Parse a SQLAlchemy URL, failing with a message that names the setting, not the secret."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigurationError(
            f"{source} is not a valid database URL (expected dialect+driver://user:password@host/db)"
        ) from None
    try:
        url.get_dialect()
    except Exception:  # noqa: BLE001 - SQLAlchemy raises NoSuchModuleError or ImportError here
        raise ConfigurationError(f"{source}: unknown database dialect or driver {url.drivername!r}") from None
    return url


def oracle_url_from_parts(environ: Mapping[str, str]) -> URL | None:
    """Build an ``oracle+oracledb`` URL from ORACLE_USER, ORACLE_PASSWORD[_FILE] and ORACLE_DSN."""
    user = environ.get("ORACLE_USER")
    dsn = environ.get("ORACLE_DSN")
    if not user and not dsn:
        return None
    if not user or not dsn:
        missing = "ORACLE_USER" if not user else "ORACLE_DSN"
        raise ConfigurationError(f"{missing} is required with the split Oracle settings")
    password = env_secret("ORACLE_PASSWORD", environ)
    if password is None:
        raise ConfigurationError("ORACLE_PASSWORD or ORACLE_PASSWORD_FILE is required with ORACLE_USER")
    match = _EASY_CONNECT.match(dsn)
    if match is None:
        raise ConfigurationError(
            "ORACLE_DSN must be host[:port]/service_name, for example localhost:1521/FREEPDB1"
        )
    return URL.create(
        "oracle+oracledb",
        username=user,
        password=password,
        host=match["host"],
        port=int(match["port"] or 1521),
        query={"service_name": match["service"]},
    )


def database_url(environ: Mapping[str, str], default: str) -> URL:
    """The database URL: DATABASE_URL[_FILE], else the split Oracle form, else ``default``."""
    raw = env_secret("DATABASE_URL", environ)
    if raw:
        if environ.get("ORACLE_USER") or environ.get("ORACLE_DSN"):
            raise ConfigurationError("set either DATABASE_URL or ORACLE_USER/ORACLE_DSN, not both")
        return parse_database_url(raw)
    return oracle_url_from_parts(environ) or parse_database_url(default, "default database URL")


def mask_url(url: URL | str) -> str:
    """Render a URL for people: the password, if any, replaced by ``***``."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except ArgumentError:
            return "<invalid URL>"
    return url.render_as_string(hide_password=True)
