"""Settings from the environment: secrets from variables or ``*_FILE`` paths, database URLs.

A database URL is checked before anything connects with it: an URL that SQLAlchemy would read
differently from what its writer meant (an unencoded ``@`` in the password, a port that is not a
number, a server URL without host or database, which drivers fill in with local defaults) is
refused with a ConfigurationError that names the setting and never repeats the password.
"""

from __future__ import annotations

import importlib.util
import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from .errors import ConfigurationError

# ORACLE_DSN in Easy Connect form: host[:port]/service_name
_EASY_CONNECT = re.compile(r"^(?P<host>[^:/\s]+)(?::(?P<port>\d+))?/(?P<service>[^\s/?]+)$")
_SCHEME = re.compile(r"^(?P<name>[\w+]+)://(?P<rest>.*)$", re.DOTALL)
PASSWORD_REQUIRED = "ORACLE_PASSWORD or ORACLE_PASSWORD_FILE is required with ORACLE_USER"
EXPECTED = "expected dialect+driver://user:password@host:port/database"

# Query parameters that name the server (a socket or a descriptor) in place of the host,
# and the database in place of the path, per dialect.
_HOST_IN_QUERY = {"postgresql": ("host",), "mysql": ("unix_socket",), "oracle": ("dsn",)}
_DATABASE_IN_QUERY = {"postgresql": ("dbname",), "oracle": ("service_name", "sid", "dsn")}

MAX_SECRET_FILE = 64 * 1024
# query keys whose values are secrets (psycopg password, sslpassword; pymysql passwd; tokens)
_SECRET_QUERY_WORDS = ("password", "passwd", "pwd", "secret", "token")

# DBAPI modules whose import name differs from SQLAlchemy's driver name
_DRIVER_MODULES = {"pysqlite": "sqlite3", "mysqldb": "MySQLdb", "cx_oracle": "cx_Oracle"}


def env_secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Return secret ``name`` from the environment, or from the file named by ``name_FILE``."""
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    if value:
        return value
    path = environ.get(f"{name}_FILE")
    if not path:
        return None
    return read_secret_file(path, f"{name}_FILE")


def read_secret_file(path: str | os.PathLike[str], source: str) -> str:
    """The secret in the file at ``path`` (its trailing newline dropped), read with bounds.

    A ConfigurationError naming ``source`` when it cannot be read, is not UTF-8, is empty, or is
    longer than a secret can be (/dev/zero or a log file named by mistake would fill the memory).
    """
    try:
        with open(path, encoding="utf-8") as handle:
            content = handle.read(MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise ConfigurationError(f"{source}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{source}: {path} is not UTF-8 text") from None
    if len(content) > MAX_SECRET_FILE:
        raise ConfigurationError(f"{source}: {path} is longer than {MAX_SECRET_FILE} characters")
    content = content.rstrip("\r\n")
    if not content:
        raise ConfigurationError(f"{source}: {path} is empty")
    return content


def _check_text(raw: str, source: str) -> re.Match[str]:
    """The URL's scheme and rest, after the checks that need the text itself."""
    if raw != raw.strip():
        raise ConfigurationError(f"{source} starts or ends with white space: remove it")
    for position, char in enumerate(raw):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            raise ConfigurationError(
                f"{source} contains a control character (U+{ord(char):04X}) at position {position + 1}"
            )
    match = _SCHEME.match(raw)
    if match is None:
        raise ConfigurationError(f"{source} is not a valid database URL ({EXPECTED})")
    if match["name"].split("+", 1)[0] != "sqlite":
        # the authority ends at the last "@" before the path; one more "@" before it belongs to
        # the password or the user name, and SQLAlchemy would read the rest as the host
        head = match["rest"].split("?", 1)[0]
        userinfo = head.rpartition("@")[0]
        if "@" in userinfo:
            raise ConfigurationError(
                f"{source} has more than one '@' before the host: URL-encode the password "
                "(an '@' in it is written %40)"
            )
    return match


def _parse(raw: str, source: str) -> URL:
    _check_text(raw, source)
    try:
        return make_url(raw)
    except ArgumentError:
        raise ConfigurationError(f"{source} is not a valid database URL ({EXPECTED})") from None
    except ValueError:
        # SQLAlchemy's int() of the port
        raise ConfigurationError(f"{source}: the port is not a number ({EXPECTED})") from None


def _check_driver(url: URL, source: str) -> None:
    try:
        dialect = url.get_dialect()
    except Exception:  # noqa: BLE001 - SQLAlchemy raises NoSuchModuleError or ImportError here
        raise ConfigurationError(f"{source}: unknown database dialect or driver {url.drivername!r}") from None
    if getattr(dialect, "is_async", False):
        raise ConfigurationError(
            f"{source}: {url.drivername!r} is an asyncio driver; the migrations need a synchronous one"
        )
    driver = str(dialect.driver)
    module = _DRIVER_MODULES.get(driver, driver)
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ConfigurationError(
            f"{source}: the driver {driver!r} of {url.drivername!r} is not installed "
            "(installed: sqlite, postgresql+psycopg, mysql+pymysql, oracle+oracledb)"
        )


def _check_server(url: URL, source: str) -> None:
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.host or url.username or url.password or url.port:
            raise ConfigurationError(
                f"{source}: an SQLite URL has no host; write sqlite:///relative/path.db or "
                "sqlite:////absolute/path.db (three or four slashes)"
            )
        return
    if url.port is not None and not 1 <= url.port <= 65535:
        raise ConfigurationError(f"{source}: port {url.port} is not between 1 and 65535")
    if url.host:
        try:  # what the resolver does with it: a label over 63 characters, an empty one (a..b)
            url.host.encode("idna")
        except UnicodeError:
            raise ConfigurationError(
                f"{source}: the host is not a valid host name (labels of 1 to 63 characters between dots)"
            ) from None
    charset = url.query.get("charset")
    if isinstance(charset, str) and url.get_driver_name() == "pymysql":
        from pymysql.charset import charset_by_name  # PyMySQL fails on one it lacks with an AttributeError

        if charset_by_name(charset) is None:
            raise ConfigurationError(
                f"{source}: charset {charset!r} is not one MySQL/MariaDB knows (utf8mb4 is the usual one)"
            )
    query = set(url.query)
    if not url.host and not query.intersection(_HOST_IN_QUERY.get(backend, ())):
        raise ConfigurationError(
            f"{source} names no host: add @host after the user ({backend} would connect to a local default)"
        )
    if not url.database and not query.intersection(_DATABASE_IN_QUERY.get(backend, ())):
        where = "?service_name=NAME" if backend == "oracle" else "/NAME after the host"
        raise ConfigurationError(
            f"{source} names no database: add {where} ({backend} would fall back to a default)"
        )


def parse_database_url(raw: str, source: str = "DATABASE_URL") -> URL:
    """Parse and check a SQLAlchemy URL, failing with a message that names the setting, not the secret."""
    url = _parse(raw, source)
    _check_driver(url, source)
    _check_server(url, source)
    return url


def _sqlite_file(url: URL) -> str | None:
    """A SQLite URL's file path (None for other URLs, ``:memory:`` and ``file:``, which the driver reads)."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else database  # file: is uri=true: the driver's


def sqlite_under(url: URL, base: Path) -> URL:
    """``url`` with a relative SQLite file path made absolute under ``base`` (other URLs as they are)."""
    database = _sqlite_file(url)
    if database is None or Path(database).is_absolute():
        return url
    return url.set(database=str(base / database))


def resolve_sqlite(url: URL, base: Path, source: str = "DATABASE_URL") -> URL:
    """``url`` with a relative SQLite path made absolute under ``base``; its folder must exist."""
    url = sqlite_under(url, base)
    database = _sqlite_file(url)
    if database is None:
        return url
    path = Path(database)
    if not path.parent.is_dir():
        raise ConfigurationError(
            f"{source}: the folder of the SQLite file does not exist: {path.parent} "
            "(create it, or fix the path)"
        )
    if path.is_dir():
        raise ConfigurationError(f"{source}: {path} is a folder, not an SQLite file")
    return url


def oracle_url_from_parts(environ: Mapping[str, str]) -> URL | None:
    """Build an ``oracle+oracledb`` URL from ORACLE_USER, ORACLE_PASSWORD[_FILE] (if set) and ORACLE_DSN."""
    user = environ.get("ORACLE_USER")
    dsn = environ.get("ORACLE_DSN")
    if not user and not dsn:
        return None
    if not user or not dsn:
        missing = "ORACLE_USER" if not user else "ORACLE_DSN"
        raise ConfigurationError(f"{missing} is required with the split Oracle settings")
    # no password is no error yet: a --sql script connects to nothing; work that connects is
    # refused when it tries (refuse_connecting_without_password)
    password = env_secret("ORACLE_PASSWORD", environ)
    match = _EASY_CONNECT.match(dsn)
    if match is None:
        raise ConfigurationError(
            "ORACLE_DSN must be host[:port]/service_name, for example localhost:1521/FREEPDB1"
        )
    port = int(match["port"] or 1521)
    if not 1 <= port <= 65535:
        raise ConfigurationError(f"ORACLE_DSN: port {port} is not between 1 and 65535")
    return URL.create(
        "oracle+oracledb",
        username=user,
        password=password,
        host=match["host"],
        port=port,
        query={"service_name": match["service"]},
    )


def missing_password(environ: Mapping[str, str]) -> str | None:
    """What work that connects is told when the split Oracle form has no password (None: it has one)."""
    if environ.get("DATABASE_URL") or environ.get("DATABASE_URL_FILE") or not environ.get("ORACLE_USER"):
        return None
    if env_secret("ORACLE_PASSWORD", environ) is not None:
        return None
    return f"{PASSWORD_REQUIRED} (only a --sql script needs none)"


def refuse_connecting_without_password(engine: Engine, message: str) -> None:
    """Make each new connection of ``engine`` that has no password stop with ``message`` (one line).

    SQLAlchemy's ``do_connect`` event runs before the driver is called (the documented hook for
    credentials known only when connecting): commands that connect stop there with a
    ConfigurationError, while ``--sql``, which never connects, needs no password at all.
    """

    def refuse(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        if not cparams.get("password"):
            raise ConfigurationError(message)

    event.listen(engine, "do_connect", refuse)


def database_url(environ: Mapping[str, str], default: str, base: Path | None = None) -> URL:
    """The database URL: DATABASE_URL[_FILE], else the split Oracle form, else ``default``.

    A relative SQLite path is taken under ``base`` (the project folder), as the default is.
    """
    raw = env_secret("DATABASE_URL", environ)
    if raw:
        if environ.get("ORACLE_USER") or environ.get("ORACLE_DSN"):
            raise ConfigurationError("set either DATABASE_URL or ORACLE_USER/ORACLE_DSN, not both")
        url = parse_database_url(raw)
    else:
        url = oracle_url_from_parts(environ) or parse_database_url(default, "default database URL")
    return url if base is None else resolve_sqlite(url, base)


def _secret_key(key: str) -> bool:
    return any(word in key.lower() for word in _SECRET_QUERY_WORDS)


def url_secrets(url: URL) -> list[str]:
    """The secrets a URL carries: its password and the values of query keys such as ``password``."""
    found = [str(url.password)] if url.password else []
    for key, value in url.query.items():
        if _secret_key(key):
            found += [value] if isinstance(value, str) else list(value)
    # longest first, so that a secret containing another is masked whole
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def mask_url(url: URL | str) -> str:
    """Render a URL for people from its parts, the password and secret query values as ``***``."""
    if isinstance(url, str):
        try:
            url = _parse(url, "URL")
        except ConfigurationError:
            # one that parses ambiguously could show part of its password as the host
            return "<invalid URL>"
    # drivers take a password in the query too (?password=, ?passwd=, ?sslpassword=)
    hidden = "oramigrate-hidden"  # URL-safe, unlike "***", which the rendering would escape
    query = {key: hidden if _secret_key(key) else value for key, value in url.query.items()}
    return url.set(query=query).render_as_string(hide_password=True).replace(hidden, "***")
