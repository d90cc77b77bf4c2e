"""The revisions a script covers, checked before Alembic sees them: a bad range is one clear line.

Alembic answers ``0001:`` (a range with no end) with a bare AssertionError and an unknown revision
with a message that depends on where it was typed; we name the problem and the way out.
"""

from __future__ import annotations

import re

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError

from ..errors import MigrationError

_SYMBOLIC = re.compile(r"^(base|heads?|[+-]\d+|(heads?|base)?[+-]\d+|.+@.+)$")


class RevisionRangeError(MigrationError):
    """A ``--sql`` revision or range that names no revision, or has an empty end."""

    exit_code = 2


def _known(scripts: ScriptDirectory) -> str:
    names = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"known revisions: {shown or 'none'} (db history lists them)"


def _check_one(scripts: ScriptDirectory, ident: str, given: str) -> None:
    if _SYMBOLIC.match(ident):
        return
    try:
        scripts.get_revision(ident)
    except (CommandError, AssertionError, KeyError, ValueError):
        raise RevisionRangeError(f"unknown revision {ident!r} in {given!r}; {_known(scripts)}") from None


def check_range(scripts: ScriptDirectory, given: str) -> None:
    """Raise RevisionRangeError unless ``given`` (``REV`` or ``FROM:TO``) names revisions that exist."""
    if ":" in given:
        start, _, end = given.partition(":")
        if not start or not end:
            example = f"{start or 'base'}:{end or 'head'}"
            raise RevisionRangeError(f"revision range {given!r} needs both ends, for example {example}")
        parts = [start, end]
    else:
        parts = [given]
    for part in parts:
        _check_one(scripts, part.strip(), given)


def check_plan(scripts: ScriptDirectory, given: str, upgrade: bool) -> None:
    """Refuse, before the script's first line, a range that runs the wrong way or a revision in it
    without the function the script needs (Alembic would stop half-way through the output)."""
    if ":" not in given:
        return
    start, _, end = (part.strip() for part in given.partition(":"))
    upper, lower = (end, start) if upgrade else (start, end)
    direction = "upgrade" if upgrade else "downgrade"
    try:
        revisions = list(scripts.iterate_revisions(upper, lower))
    except RevisionError as exc:
        order = "an upgrade range is older:newer" if upgrade else "a downgrade range is newer:older"
        raise RevisionRangeError(
            f"revision range {given!r} does not run {'up' if upgrade else 'down'} the chain ({exc}); {order}"
        ) from None
    except (CommandError, AssertionError, KeyError, ValueError):
        return  # relative ends and the like: Alembic resolves them, and says so itself
    for script in revisions:
        if not callable(getattr(script.module, direction, None)):
            raise RevisionRangeError(
                f"the revision file {script.path} defines no {direction}(): no script written"
            )
