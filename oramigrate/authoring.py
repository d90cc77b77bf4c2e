"""Writing a new revision file (``db revision``, ``db migrate``, ``db merge``): all or nothing.

Alembic writes the file first and judges it after: a ``--rev-id`` already in the chain, a branch
label already used or a message that ends the docstring are found only once the file is on disk,
where it breaks every later command. So the names are checked before, and a file written by a
command that then fails is removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic.script import ScriptDirectory

from .errors import ConfigurationError

# what a revision spec already means (`db upgrade head`): a revision or label so named shadows it
RESERVED = ("head", "heads", "base", "current")


def check_new_names(
    scripts: ScriptDirectory, rev_id: str | None, branch_label: str | None, message: str | None
) -> None:
    """Refuse, before anything is written, a revision id or branch label the chain cannot hold."""
    chain = list(scripts.walk_revisions())
    known = {script.revision for script in chain}
    labels = {label for script in chain for label in script.branch_labels}
    if rev_id is not None:
        _check_name("--rev-id", rev_id)
        if rev_id in known:
            raise ConfigurationError(f"--rev-id {rev_id}: the chain already has a revision {rev_id}")
    if branch_label is not None:
        _check_name("--branch-label", branch_label)
        if branch_label in known | labels:
            raise ConfigurationError(
                f"--branch-label {branch_label}: already a revision or branch label of the chain"
            )
    if message is not None and '"""' in message:
        raise ConfigurationError('-m: a message cannot contain """ (it would end the revision\'s docstring)')


def _check_name(option: str, name: str) -> None:
    # the id becomes part of a file name and a Python string: a path, a space or a keyword of the
    # revision syntax would write elsewhere (--rev-id ../../x) or make a revision nothing can name
    if not name or name != name.strip() or any(char.isspace() or char in "/\\" for char in name):
        raise ConfigurationError(f"{option} {name!r}: no spaces, slashes or empty names")
    if name in (".", "..") or name.lower() in RESERVED:
        raise ConfigurationError(f"{option} {name!r}: {name} already means something in a revision spec")


@contextmanager
def removed_on_failure(scripts: ScriptDirectory) -> Iterator[None]:
    """Remove the revision files a failing block wrote (Alembic writes before it checks)."""
    folders = [Path(scripts.dir), *(Path(location) for location in scripts.version_locations or [])]
    before = {path for folder in folders for path in _python_files(folder)}
    try:
        yield
    except BaseException:
        for path in {path for folder in folders for path in _python_files(folder)} - before:
            path.unlink(missing_ok=True)
        raise


def _python_files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*.py") if "__pycache__" not in path.parts}
