"""The error boundary: expected failures become one line a person can act on, never a traceback.

``run_guarded`` is the one place every command runs inside (the ``db`` group, ``manage.py``'s
group). An expected failure prints ``Error: ...`` and exits 2 (usage, settings) or 1 (failure); an
unexpected one prints one line naming a log file that holds the traceback (shown on screen only
with ``ORAMIGRATE_DEBUG=1``).
"""

from __future__ import annotations

import configparser
import os
import re
import stat
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
from .revisions import revision_file_of, unknown_down_revision
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
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except SystemExit as exc:
        # sys.exit() in a revision file or env.py would end the command with no word of why
        broken = _broken_file(exc)
        if broken is None:
            raise
        click.echo(f"Error: {broken}", err=True)
        raise click.exceptions.Exit(2) from None
    except Exception as exc:
        if os.environ.get(DEBUG_SETTING):
            raise
        where = _as_url(url())
        described = describe(exc, where)
        if described is None:
            secrets = known_secrets(where)
            try:
                where_logged = f"traceback in {crash_log(exc, secrets)}"
            except OSError as problem:  # a read-only or full temp directory: still one line
                where_logged = f"traceback not saved: {problem.strerror}; ORAMIGRATE_DEBUG=1 shows it"
            first = mask_secrets(_first_line(exc), secrets)
            described = f"unexpected {type(exc).__name__}: {first} ({where_logged})", 1
        message, code = described
        click.echo(f"Error: {message}", err=True)
        raise click.exceptions.Exit(code) from None


def _broken_file(exc: BaseException) -> str | None:
    """What is wrong with the migrations' own files, if ``exc`` came from loading one of them."""
    name = f"{type(exc).__name__}: {_first_line(exc)}"
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).name == "env.py":
        return f"the migration environment {exc.filename} failed: {name}"
    revision_file = revision_file_of(exc)
    if revision_file is not None:
        return f"cannot load the revision file {revision_file}: {name}"
    frames = traceback.extract_tb(exc.__traceback__)
    for index in range(len(frames) - 1, -1, -1):
        frame = frames[index]
        # env.py's own code (or the library it called, logging's fileConfig), not ours or Alembic's:
        # an error deep in our code under env.py's run() is a bug, and keeps its crash log
        if Path(frame.filename).name == "env.py" and frame.name == "<module>":
            if not any(_ours_or_alembic(later.filename) for later in frames[index + 1 :]):
                return f"the migration environment {frame.filename} failed: {name}"
            break
    if isinstance(exc, ImportError) and str(exc).startswith("Can't find Python file"):
        # Alembic's words for a folder with no env.py (-d pointing elsewhere, a file, '')
        return f"{_first_line(exc)}: not a migrations folder (`db init` makes one)"
    if isinstance(exc, configparser.Error):
        return f"cannot read the Alembic configuration (alembic.ini): {_first_line(exc)}"
    return None


def _ours_or_alembic(filename: str) -> bool:
    parts = Path(filename).parts
    return "oramigrate" in parts or "alembic" in parts


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
    """Write ``exc``'s traceback, secrets masked as on screen, to a new private temp file; its path.

    The shared ``oramigrate`` folder is used only if it is ours and private: in a /tmp every user
    writes to, another user could have made it first, with links named like the next log file to
    turn our write into an overwrite of one of our files. The file's name is random, made with
    O_EXCL (``mkstemp``), so an existing name or link is never followed.
    """
    folder = Path(tempfile.gettempdir()) / "oramigrate"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
        private = stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077
    except OSError:
        private = False
    if not private:
        folder = Path(tempfile.mkdtemp(prefix="oramigrate-"))
    handle, name = tempfile.mkstemp(
        prefix=f"error-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".log", dir=folder
    )
    with open(handle, "w", encoding="utf-8") as out:
        out.write(mask_secrets("".join(traceback.format_exception(exc)), secrets))
    return Path(name)


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
    broken = _broken_file(exc)
    if broken is not None:
        return broken, 2
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
    if isinstance(exc, sa_exc.DBAPIError):
        detail = _first_line(str(exc.orig)) if exc.orig is not None else _first_line(str(exc))
        where = f" ({mask_url(url)})" if url is not None else ""
        if exc.connection_invalidated:  # the server or a proxy ended the session (failover, a DBA)
            return f"database connection lost{where}: {detail}", 1
        if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            return f"database unavailable{where}: {detail}", 1
        return f"database error{where}: {detail}", 1
    if isinstance(exc, sa_exc.NoSuchModuleError):
        return f"unknown database driver: {_first_line(str(exc))}", 2
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        # the file system said no (a -d that is a file, a missing script.py.mako, permissions)
        return f"{exc.strerror}: {exc.filename}", 1
    return None
