"""Load each revision file on its own: one that cannot be imported is reported, not fatal to the chain."""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from alembic.script import Script

from ..private import PerFileScripts

if TYPE_CHECKING:  # stand-ins are made only for --stub-imports
    from .stand_ins import StandIns

IDENTIFIERS = ("revision", "down_revision", "branch_labels", "depends_on")


def identifiers(path: Path) -> dict[str, Any]:
    """``revision``, ``down_revision``... as the file assigns them (read from its AST, not run)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, ValueError, OSError):
        return {}
    found: dict[str, Any] = {}
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        value = getattr(node, "value", None)
        for target in targets:
            if isinstance(target, ast.Name) and target.id in IDENTIFIERS and value is not None:
                with contextlib.suppress(ValueError, TypeError, SyntaxError):
                    found[target.id] = ast.literal_eval(value)
    return found


def _cause(exc: BaseException) -> str:
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return f"it imports {exc.name}, which is not installed here"
    if isinstance(exc, SyntaxError):
        return f"SyntaxError at line {exc.lineno}: {exc.msg}"
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0].strip()}" if lines else type(exc).__name__


def unloadable(path: Path, exc: BaseException) -> Script:
    """A stand-in Script for a file that failed to import: its chain links, read from the AST, and why."""
    found = identifiers(path)
    revision = str(found.get("revision") or path.stem)
    module = ModuleType(f"unloadable_{path.stem}")
    for name in IDENTIFIERS:
        setattr(module, name, found.get(name))
    module.revision = revision  # type: ignore[attr-defined]
    module.__lint_load_error__ = (  # type: ignore[attr-defined]
        f"{path.name} (revision {revision}) could not be loaded, so it was not checked: {_cause(exc)}"
    )
    return Script(module, revision, path)


class TolerantScripts(PerFileScripts):
    """A ScriptDirectory whose revisions are imported one by one (optionally with stand-ins)."""

    stand_ins: StandIns | None = None

    def load_one(self, path: Path, load: Callable[[Path], Script | None]) -> Script | None:
        """Import one revision file; one that fails becomes an unloadable Script carrying the cause."""
        active = self.stand_ins.active(str(path)) if self.stand_ins else contextlib.nullcontext()
        try:
            with active:
                return load(path)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a revision failing (or exiting) is reported
            return unloadable(path, exc)


def tolerant_scripts(directory: str, stub_imports: bool = False) -> TolerantScripts:
    """The scripts of ``directory``, each loaded on its own (``stub_imports``: stand-ins for the missing)."""
    scripts = TolerantScripts(directory)
    if stub_imports:
        from .stand_ins import StandIns

        scripts.stand_ins = StandIns(directory)
    return scripts
