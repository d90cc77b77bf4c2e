"""Turn expected failures into one line a person can act on (never a traceback)."""

from __future__ import annotations

from sqlalchemy.engine import URL

from .errors import MigrationError
from .settings import mask_url


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return text.strip()


def describe(exc: BaseException, url: URL | None = None) -> tuple[str, int] | None:
    """A one-line message and an exit code for an expected failure, or None for a bug."""
    if isinstance(exc, MigrationError):
        return str(exc), exc.exit_code
    from alembic.util import CommandError
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, CommandError):
        return _first_line(str(exc)), 1

    if isinstance(exc, sa_exc.IdentifierError):
        return f"{_first_line(str(exc))}: shorten it, or set ORACLE_TARGET_VERSION to the version you run", 1
    if isinstance(exc, sa_exc.ArgumentError):
        return f"invalid database setting: {_first_line(str(exc))}", 2
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated is False:
        detail = _first_line(str(exc.orig)) if exc.orig is not None else _first_line(str(exc))
        if url is not None and url.password:
            detail = detail.replace(str(url.password), "***")
        where = f" ({mask_url(url)})" if url is not None else ""
        if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            return f"database unavailable{where}: {detail}", 1
        return f"database error{where}: {detail}", 1
    if isinstance(exc, sa_exc.NoSuchModuleError):
        return f"unknown database driver: {_first_line(str(exc))}", 2
    return None
