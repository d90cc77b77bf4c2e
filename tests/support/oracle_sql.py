"""Reading offline Oracle scripts: split on SQL*Plus "/" lines, parse each with sqlglot."""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

# sqlglot 30 has no grammar for these Oracle forms and falls back to a bare Command; we accept
# such a fallback only for these exact shapes, so an unparsable statement still fails.
_COMMAND_SHAPES = (re.compile(r"^ALTER TABLE [a-z_][a-z0-9_$#]* MODIFY [a-z_][a-z0-9_$#]* (NOT )?NULL$"),)


def statements(script: str) -> list[str]:
    """The SQL statements of a script, without comments and "/" separators."""
    found = []
    for chunk in re.split(r"^/\s*$", script, flags=re.MULTILINE):
        lines = [line for line in chunk.splitlines() if line.strip() and not line.lstrip().startswith("--")]
        if lines:
            found.append("\n".join(lines).strip())
    return found


def parse(statement: str) -> exp.Expression:
    """Parse one Oracle statement; raise unless sqlglot understood it (or it is a known shape)."""
    tree = sqlglot.parse_one(statement, read="oracle", error_level=sqlglot.ErrorLevel.RAISE)
    if isinstance(tree, exp.Command):
        flat = " ".join(statement.split())
        if not any(shape.match(flat) for shape in _COMMAND_SHAPES):
            raise ValueError(f"sqlglot could not parse: {flat}")
    return tree


def identifiers(statement: str) -> list[str]:
    """Every table, column, constraint and sequence name in a parsed statement."""
    tree = parse(statement)
    names = [node.name for node in tree.find_all(exp.Identifier)]
    return names + re.findall(r"CONSTRAINT (\w+)", statement)
