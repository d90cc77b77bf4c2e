"""The revisions a script covers, checked before Alembic sees them: a bad range is one clear line.

Alembic answers ``0001:`` (a range with no end) with a bare AssertionError and an unknown revision
with a message that depends on where it was typed; we name the problem and the way out.
"""

from __future__ import annotations

import re

from alembic.script import ScriptDirectory
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
