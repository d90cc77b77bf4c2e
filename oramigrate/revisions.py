"""The one walk over the revision chain: load it, what is applied, what is pending, in order."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from .errors import MigrationError


class ScriptsUnreadable(MigrationError):
    """The migration directory is missing, or one of its revision files cannot be loaded."""

    exit_code = 2


def first_line(text: str | BaseException) -> str:
    """The first non-blank line of ``text`` (an error's message), stripped."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else (type(text).__name__ if isinstance(text, BaseException) else "")


def unknown_down_revision(revision: object) -> str:
    """What Alembic's revision map means by its KeyError: a down_revision no file defines."""
    return f"no revision file defines {revision!r}, which another revision names as its down_revision"


def revision_file_of(exc: BaseException) -> str | None:
    """The revision file whose loading raised ``exc`` (any error, ``sys.exit()`` too), if one did."""
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).parent.name == "versions":
        return exc.filename
    # raised at the top level of a revision module (its imports, identifiers), not inside upgrade()
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).parent.name == "versions" and frame.name == "<module>":
            return frame.filename
    from .private import file_alembic_was_loading

    return file_alembic_was_loading(exc)


def load_scripts(directory: str | os.PathLike[str]) -> ScriptDirectory:
    """The revisions of ``directory``, every file loaded now, so a broken one is named here."""
    path = Path(directory)
    if not (path / "versions").is_dir():
        raise ScriptsUnreadable(f"{path} is not an Alembic migration directory (no versions/ folder)")
    try:
        scripts = ScriptDirectory(str(path))
        scripts.revision_map.heads  # noqa: B018 - loads every revision module now
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a broken revision file is the user's input
        broken = revision_file_of(exc)
        if broken is not None:
            message = f"cannot load the revision file {broken}: {type(exc).__name__}: {first_line(exc)}"
            raise ScriptsUnreadable(message) from None
        cause = unknown_down_revision(exc.args[0]) if isinstance(exc, KeyError) else first_line(exc)
        raise ScriptsUnreadable(f"cannot read the migrations in {path}: {cause}") from None
    return scripts


def current_heads(connection: Connection, version_table: str = "alembic_version") -> tuple[str, ...]:
    """The revisions in the version table (none if it is not there); ends the read's transaction."""
    context = MigrationContext.configure(connection, opts={"version_table": version_table})
    heads = context.get_current_heads()
    connection.commit()
    return heads


def in_order(scripts: ScriptDirectory) -> list[Script]:
    """Every revision, base first (the order in which they apply)."""
    return list(reversed(list(scripts.walk_revisions())))


def applied(scripts: ScriptDirectory, heads: Iterable[str]) -> list[Script]:
    """The revisions applied when the database is at ``heads``, base first."""
    heads = tuple(heads)
    if not heads:
        return []
    found = [script for script in scripts.iterate_revisions(heads, "base") if script is not None]
    return list(reversed(found))


def _lineage(scripts: ScriptDirectory, upper: str) -> list[Script]:
    try:
        found = list(scripts.iterate_revisions(upper, "base"))
    except Exception:  # noqa: BLE001 - relative ("+2") or unknown: judge all up to the heads; Alembic
        found = list(scripts.iterate_revisions("heads", "base"))  # then reports an unknown one itself
    return [script for script in found if isinstance(script, Script)]


def pending(scripts: ScriptDirectory, heads: Iterable[str], target: str = "heads") -> list[Script]:
    """The revisions an upgrade from ``heads`` to ``target`` would apply, base first.

    ``target`` may be an offline range ``from:to``, whose ``from`` then stands for the heads.
    """
    if ":" in target:
        lower, target = target.split(":", 1)
        heads = [lower] if lower and lower != "base" else []
    done = {script.revision for head in heads for script in _lineage(scripts, head)}
    return [
        script for script in reversed(_lineage(scripts, target or "heads")) if script.revision not in done
    ]


def find(scripts: ScriptDirectory, revision: str) -> Script | None:
    """The script of ``revision``, or None when no file defines it."""
    try:
        return scripts.get_revision(revision)
    except CommandError:
        return None
