"""The lint repro corpus: one-revision files, each declaring its exact findings (``EXPECTED``).

Each file is revision cNN on top of the base revision 0001 (users, orders); ``EXPECTED`` lists
(code, phase, table, column) and ``TARGET`` names the database it is judged for (Oracle 11.2,
Standard Edition, unless said). Both are read from the file's AST, so a file that cannot be
imported declares them too.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from oramigrate.lint import LintTarget

CORPUS = Path(__file__).resolve().parent
FILES = sorted(CORPUS.glob("c[0-9][0-9]_*.py"))


def declared(path: Path, name: str, default: Any) -> Any:
    """A module-level constant of a corpus file, read without importing it."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    return default


def target_of(path: Path) -> LintTarget:
    """``TARGET = "postgresql"`` / ``"oracle 19"`` / ``"oracle 19 enterprise"`` (the edition); Oracle
    11.2 by default."""
    dialect, *rest = declared(path, "TARGET", "oracle 11.2").split()
    version = tuple(int(p) for p in rest[0].split(".")) if rest else None
    return LintTarget(dialect, version, **({"oracle_edition": rest[1]} if len(rest) > 1 else {}))


CORPUS_CODES = {code for path in FILES for code, *_ in declared(path, "EXPECTED", [])}
