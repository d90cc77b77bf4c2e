"""The error boundary: expected failures become one line a person can act on, never a traceback.

``run_guarded`` is the one place every command runs inside (the ``db`` group, ``manage.py``'s
group). An expected failure prints ``Error: ...`` and exits 2 (usage, settings) or 1 (failure); an
unexpected one prints one line naming a log file that holds the traceback (shown on screen only
with ``ORAMIGRATE_DEBUG=1``).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.engine import URL

from .errors import MigrationError
from .masking import known_secrets, mask_secrets
from .revisions import first_line as _first_line
from .revisions import unknown_down_revision
from .settings import mask_url

T = TypeVar("T")
DEBUG_SETTING = "ORAMIGRATE_DEBUG"
# what Alembic's revision map warns about before it carries on with a graph it could not build
GRAPH_WARNINGS = r"Revision \S+ (referenced from .* is not present|is present more than once)"


def run_guarded(call: Callable[[], T], url: Callable[[], Any] = lambda: None) -> T:
    """Run ``call``; map what it raises to one ``Error:`` line and an exit code (click's ``Exit``)."""
    try:
        with warnings.catch_warnings():
            # Alembic warns, then carries on, about a revision graph it cannot build (a down_revision
            # no file defines, a revision id twice): here that stops the command with one line
            warnings.filterwarnings("error", message=GRAPH_WARNINGS, category=UserWarning)
            return call()
    except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get(DEBUG_SETTING):
            raise
        where = _as_url(url())
        described = describe(exc, where)
        if described is None:
            secrets = known_secrets(where)
            log = crash_log(exc, secrets)
            first = mask_secrets(_first_line(exc), secrets)
            described = f"unexpected {type(exc).__name__}: {first} (traceback in {log})", 1
        message, code = described
        click.echo(f"Error: {message}", err=True)
        raise click.exceptions.Exit(code) from None


def _revision_file(exc: BaseException) -> str | None:
    """The revision file (a ``versions`` folder's module) that raised ``exc`` while being loaded."""
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).parent.name == "versions":
        return exc.filename
    if not isinstance(exc, (ImportError, SyntaxError, NameError, AttributeError)):
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    # raised at the top level of a revision module (its imports, identifiers), not inside upgrade()
    for frame in reversed(frames):
        if Path(frame.filename).parent.name == "versions" and frame.name == "<module>":
            return frame.filename
    return None


def _raised_in(exc: BaseException, path_end: str) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename.replace("\\", "/").endswith(path_end)


def _as_url(value: Any) -> URL | None:
    if isinstance(value, URL):
        return value
    if isinstance(value, str):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            return make_url(value)
        except ArgumentError:
            return None
    return None


def crash_log(exc: BaseException, secrets: Iterable[str] = ()) -> Path:
    """Write ``exc``'s traceback, secrets masked as on screen, to a private temp file; its path."""
    folder = Path(tempfile.gettempdir()) / "oramigrate"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        out.write(mask_secrets("".join(traceback.format_exception(exc)), secrets))
    return path


def describe(exc: BaseException, url: URL | None = None) -> tuple[str, int] | None:
    """A one-line message and an exit code for an expected failure, or None for a bug.

    Whatever the message quotes (a driver's words, a URL, a connect string) goes out with its
    secrets masked by structure and by their known values (``masking.mask_secrets``).
    """
    described = _described(exc, url)
    if described is None:
        return None
    message, code = described
    return mask_secrets(message, known_secrets(url)), code


def _described(exc: BaseException, url: URL | None) -> tuple[str, int] | None:
    if isinstance(exc, MigrationError):
        return str(exc), exc.exit_code
    from alembic.util import CommandError
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, CommandError):
        return _first_line(exc), 1
    revision_file = _revision_file(exc)
    if revision_file is not None:
        return f"cannot load the revision file {revision_file}: {type(exc).__name__}: {_first_line(exc)}", 2
    from alembic.script.revision import RevisionError

    if isinstance(exc, RevisionError) or (
        isinstance(exc, UserWarning) and re.match(GRAPH_WARNINGS, str(exc))
    ):
        return f"the revision chain is broken: {_first_line(exc)}", 2
    if isinstance(exc, KeyError) and _raised_in(exc, "alembic/script/revision.py"):
        return f"the revision chain is broken: {unknown_down_revision(exc.args[0])}", 2

    if isinstance(exc, sa_exc.IdentifierError):
        return f"{_first_line(str(exc))}: shorten it, or set ORACLE_TARGET_VERSION to the version you run", 1
    if isinstance(exc, sa_exc.ArgumentError):
        return f"invalid database setting: {_first_line(str(exc))}", 2
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated is False:
        detail = _first_line(str(exc.orig)) if exc.orig is not None else _first_line(str(exc))
        where = f" ({mask_url(url)})" if url is not None else ""
        if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            return f"database unavailable{where}: {detail}", 1
        return f"database error{where}: {detail}", 1
    if isinstance(exc, sa_exc.NoSuchModuleError):
        return f"unknown database driver: {_first_line(str(exc))}", 2
    return None
