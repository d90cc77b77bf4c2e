"""The targets file: which databases (and schemas) a fleet is, read once and checked at start-up.

TOML, read with ``tomllib``::

    [defaults]
    url = "oracle+oracledb://migrator@db1:1521/?service_name=XEPDB1"
    password_file = "/run/secrets/migrator"

    [targets.acme]
    schema = "ACME"

    [targets.globex]
    url = "postgresql+psycopg://app@pg2/globex"
    password = "${GLOBEX_PASSWORD}"

Secrets come only from ``*_file`` keys (a path, relative to the file) or ``${ENV}`` references,
never inline: a password written in the file would end up in a repository. A target's own url
replaces the default url and password (that password belongs to the default server). A bad file
stops the command with one line naming the target and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import ConfigurationError
from ..settings import mask_url, parse_database_url, read_secret_file, sqlite_under, url_secrets

KEYS = ("url", "url_file", "password", "password_file", "schema")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# an unquoted identifier on every backend: no quoting surprises, nothing to inject
_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_$#]{0,63}$")


class TargetsFileError(ConfigurationError):
    """The targets file is missing, not TOML, or has a bad target or key."""


@dataclass(frozen=True)
class Target:
    """One database to migrate: its URL (password included, never printed) and its schema, if any."""

    name: str
    url: URL
    schema: str | None = None

    @property
    def backend(self) -> str:
        """``oracle``, ``postgresql``, ``mysql``/``mariadb`` or ``sqlite``."""
        return self.url.get_backend_name()

    def describe(self) -> str:
        """Where the target is, for people (the password masked)."""
        return mask_url(self.url) + (f" schema {self.schema}" if self.schema else "")


def load_targets(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> list[Target]:
    """Every target of the file at ``path``, in file order; TargetsFileError on the first problem."""
    environ = os.environ if environ is None else environ
    file = Path(path)
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetsFileError(f"targets file {file}: cannot read it: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetsFileError(f"targets file {file}: not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"defaults", "targets"})
    if unknown:
        raise TargetsFileError(
            f"targets file {file}: unknown table [{unknown[0]}] (expected [defaults], [targets.NAME])"
        )
    defaults = _table(document.get("defaults", {}), file, "[defaults]")
    targets = _table(document.get("targets", {}), file, "[targets]")
    if not targets:
        raise TargetsFileError(f"targets file {file}: no targets (add a [targets.NAME] table)")
    reader = _Reader(file, environ)
    found = [
        reader.target(name, defaults, _table(values, file, f"target {name}"))
        for name, values in targets.items()
    ]
    _refuse_duplicates(found, file)
    return found


def select(targets: Sequence[Target], only: Sequence[str]) -> list[Target]:
    """The targets named in ``only`` (all when empty), in file order; ConfigurationError if one is unknown."""
    if not only:
        return list(targets)
    known = {target.name for target in targets}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise ConfigurationError(f"--only: no target named {', '.join(unknown)} in the targets file")
    return [target for target in targets if target.name in set(only)]


def _table(value: Any, file: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TargetsFileError(f"targets file {file}: {where} must be a table")
    return value


class _Reader:
    """Resolves one target's keys: defaults, then its own; secrets from files and the environment."""

    def __init__(self, file: Path, environ: Mapping[str, str]) -> None:
        self.file = file
        self.environ = environ

    @contextmanager
    def failing_as_targets_file(self) -> Iterator[None]:
        """A ConfigurationError of the shared checks, as the targets file's own error."""
        try:
            yield
        except TargetsFileError:
            raise
        except ConfigurationError as exc:
            raise TargetsFileError(str(exc)) from None

    def fail(self, name: str, key: str, problem: str) -> TargetsFileError:
        return TargetsFileError(f"targets file {self.file}: target {name}: {key}: {problem}")

    def target(self, name: str, defaults: dict[str, Any], own: dict[str, Any]) -> Target:
        if not _NAME.match(name):
            raise self.fail(name, "name", "use letters, digits, '.', '_' or '-' (at most 64)")
        for key in [*defaults, *own]:
            if key not in KEYS:
                raise self.fail(name, key, f"unknown key (expected one of {', '.join(KEYS)})")
        values = dict(defaults)
        # the target's own url or password replaces the default's; the default password belongs
        # to the default server, so a target with its own url takes none of it
        if any(key in own for key in ("url", "url_file")):
            values = {
                k: v for k, v in values.items() if k not in ("url", "url_file", "password", "password_file")
            }
        if any(key in own for key in ("password", "password_file")):
            values = {k: v for k, v in values.items() if k not in ("password", "password_file")}
        values.update(own)
        for key, value in values.items():
            if not isinstance(value, str):
                raise self.fail(name, key, "must be a string")
        url = self._url(name, values)
        schema = self._schema(name, values, url)
        return Target(name, url, schema)

    def _expand(self, name: str, key: str, raw: str) -> str:
        def value_of(match: re.Match[str]) -> str:
            variable = match.group(1)
            if not self.environ.get(variable):
                raise self.fail(name, key, f"environment variable {variable} is not set")
            return self.environ[variable]

        return _REFERENCE.sub(value_of, raw)

    def _read(self, name: str, key: str, raw: str) -> str:
        path = Path(self._expand(name, key, raw))
        path = path if path.is_absolute() else self.file.parent / path
        # bounded and UTF-8 checked, as every *_FILE secret (password_file = "/dev/zero" read for ever)
        with self.failing_as_targets_file():
            return read_secret_file(path, f"targets file {self.file}: target {name}: {key}")

    def _url(self, name: str, values: dict[str, str]) -> URL:
        if "url" in values and "url_file" in values:
            raise self.fail(name, "url_file", "give url or url_file, not both")
        if "url_file" in values:
            key, raw = "url_file", self._read(name, "url_file", values["url_file"])
        elif "url" in values:
            key, raw = "url", values["url"]
            if _has_password(_REFERENCE.sub("", raw)):
                raise self.fail(name, key, 'inline password: use password_file, or "${ENV}" in its place')
            raw = self._expand(name, key, raw)
        else:
            raise self.fail(name, "url", "missing (set url or url_file here or in [defaults])")
        try:
            url = make_url(raw)
        except (ArgumentError, ValueError):
            raise self.fail(name, key, "not a database URL (dialect+driver://user@host/database)") from None
        try:
            url.get_dialect()
        except Exception:  # noqa: BLE001 - SQLAlchemy raises NoSuchModuleError or ImportError here
            raise self.fail(name, key, f"unknown database dialect or driver {url.drivername!r}") from None
        # then the checks DATABASE_URL gets: a driver installed and synchronous, a port that is a
        # number, a host and a database (an empty one would reach a local default), one '@'
        with self.failing_as_targets_file():
            parse_database_url(raw, f"targets file {self.file}: target {name}: {key}")
        # a relative SQLite path is read from this file's folder, as its *_file keys are
        return sqlite_under(url, self.file.parent).set(password=self._password(name, values, url))

    def _password(self, name: str, values: dict[str, str], url: URL) -> str | None:
        if "password" in values and "password_file" in values:
            raise self.fail(name, "password_file", "give password or password_file, not both")
        if "password_file" in values:
            return self._read(name, "password_file", values["password_file"])
        if "password" in values:
            if not _REFERENCE.fullmatch(values["password"]):
                raise self.fail(
                    name, "password", 'inline secrets are refused: write "${ENV_NAME}" or use password_file'
                )
            return self._expand(name, "password", values["password"])
        return url.password if isinstance(url.password, str) else None

    def _schema(self, name: str, values: dict[str, str], url: URL) -> str | None:
        schema = values.get("schema")
        if schema is None:
            return None
        if not _SCHEMA.match(schema):
            raise self.fail(name, "schema", f"{schema!r} is not a plain identifier (letters, digits, _ $ #)")
        if url.get_backend_name() == "sqlite":
            raise self.fail(name, "schema", "SQLite has no schemas: give each target its own url")
        return schema


def _has_password(raw: str) -> bool:
    try:
        return bool(url_secrets(make_url(raw)))  # user:password@ or ?password=
    except (ArgumentError, ValueError):
        return False


def bound_url(target: Target) -> URL:
    """The target's URL, with the schema as the database on MariaDB/MySQL."""
    if target.schema and target.backend in ("mysql", "mariadb"):
        return target.url.set(database=target.schema)
    return target.url


def _refuse_duplicates(targets: list[Target], file: Path) -> None:
    seen: dict[tuple[str, str | None], str] = {}
    for target in targets:
        url = bound_url(target)
        key = (url.render_as_string(hide_password=True), (target.schema or "").lower() or None)
        if key in seen:
            raise TargetsFileError(
                f"targets file {file}: target {target.name}: same database as target {seen[key]}"
            )
        seen[key] = target.name
