"""What a raw ``ALTER TABLE`` does to each column: add, drop, retype, NOT NULL, rename.

sqlglot reads PostgreSQL's and MySQL's forms; Oracle's ``MODIFY (c NUMBER(8,2) NOT NULL)`` falls
back to a bare command there, so it is read here clause by clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["add", "drop", "type", "not null", "null", "rename"]
_NAME = r'("[^"]+"|[\w$#.]+)'
_ALTER = re.compile(rf"^\s*ALTER\s+TABLE\s+{_NAME}\s+(.*?)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_MODIFY = re.compile(r"^MODIFY\s*(?:\((.*)\)|(.*))$", re.IGNORECASE | re.DOTALL)
_DROP = re.compile(r"^DROP\s+(?:COLUMN\s+)?(?:\(([^)]*)\)|([\w$#\"]+))", re.IGNORECASE)
_CONSTRAINT_WORDS = re.compile(
    r"\b(NOT\s+NULL|NULL|DEFAULT|CONSTRAINT|CHECK|PRIMARY|UNIQUE|REFERENCES)\b", re.I
)


@dataclass(frozen=True)
class ColumnChange:
    """One column clause of an ALTER TABLE."""

    action: Action
    column: str
    type_text: str | None = None  # add / type: the new type as written
    not_null: bool = False  # add: declared NOT NULL
    default: bool = False  # add / not null: comes with a DEFAULT
    new_name: str | None = None  # rename


def _bare(name: str) -> str:
    return name.strip().strip('"').lower()


def _split(text: str) -> list[str]:
    """Comma-separated clauses at parenthesis depth 0."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _modify_clause(clause: str) -> list[ColumnChange]:
    name, _, rest = clause.partition(" ")
    column, rest = _bare(name), rest.strip()
    match = _CONSTRAINT_WORDS.search(rest)
    type_text = (rest[: match.start()] if match else rest).strip()
    changes = [ColumnChange("type", column, type_text)] if type_text else []
    if re.search(r"\bNOT\s+NULL\b", rest, re.IGNORECASE):
        changes.append(ColumnChange("not null", column, default=bool(re.search(r"\bDEFAULT\b", rest, re.I))))
    elif re.search(r"\bNULL\b", rest, re.IGNORECASE):
        changes.append(ColumnChange("null", column))
    return changes


def oracle_modify(text: str) -> tuple[str, tuple[ColumnChange, ...]] | None:
    """Oracle's ``ALTER TABLE t MODIFY (c TYPE [NOT NULL], ...)``: (table, changes), or None."""
    alter = _ALTER.match(text)
    modify = _MODIFY.match(alter.group(2).strip()) if alter else None
    if alter is None or modify is None:
        return None
    body = modify.group(1) if modify.group(1) is not None else modify.group(2)
    changes = [change for clause in _split(body) for change in _modify_clause(clause)]
    return (_bare(alter.group(1)), tuple(changes)) if changes else None


def by_regex(text: str) -> tuple[str, tuple[ColumnChange, ...]] | None:
    """An ``ALTER TABLE t DROP [COLUMN] c`` / ``DROP (a, b)`` sqlglot did not read: (table, drops)."""
    alter = _ALTER.match(text)
    drop = _DROP.match(alter.group(2).strip()) if alter else None
    if alter is None or drop is None:
        return None
    names = (drop.group(1) or drop.group(2) or "").split(",")
    changes = tuple(ColumnChange("drop", _bare(name)) for name in names if _bare(name))
    return (_bare(alter.group(1)), changes) if changes else None


def _column_def(definition: Any, dialect: str | None, action: Action) -> list[ColumnChange]:
    from sqlglot import exp

    column = str(definition.name).lower()
    kind = definition.args.get("kind")
    type_text = kind.sql(dialect=dialect) if kind is not None else None
    constraints = [c.args.get("kind") for c in definition.args.get("constraints") or []]
    not_null = any(
        isinstance(c, exp.NotNullColumnConstraint) and not c.args.get("allow_null") for c in constraints
    )
    default = any(isinstance(c, exp.DefaultColumnConstraint) for c in constraints)
    if action == "add":
        return [ColumnChange("add", column, type_text, not_null, default)]
    changes = [ColumnChange("type", column, type_text)] if type_text else []
    return changes + ([ColumnChange("not null", column, default=default)] if not_null else [])


def alter_changes(tree: Any, dialect: str | None) -> tuple[ColumnChange, ...] | None:
    """The column changes of a parsed ALTER TABLE; None when an action was not understood."""
    from sqlglot import exp

    changes: list[ColumnChange] = []
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            changes += _column_def(action, dialect, "add")
        elif isinstance(action, exp.Schema):
            changes += [
                c
                for d in action.expressions
                if isinstance(d, exp.ColumnDef)
                for c in _column_def(d, dialect, "add")
            ]
        elif isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "COLUMN":
            changes += [ColumnChange("drop", str(c.name).lower()) for c in action.args.get("tables") or []]
        elif isinstance(action, exp.AlterColumn):
            column = str(action.name).lower()
            if action.args.get("dtype") is not None:
                changes.append(ColumnChange("type", column, action.args["dtype"].sql(dialect=dialect)))
            if action.args.get("allow_null") is False:
                changes.append(ColumnChange("not null", column))
        elif isinstance(action, exp.ModifyColumn) and isinstance(action.this, exp.ColumnDef):
            changes += _column_def(action.this, dialect, "type")
        elif isinstance(action, exp.RenameColumn):
            changes.append(
                ColumnChange("rename", _bare(action.this.name), new_name=_bare(action.args["to"].name))
            )
        elif isinstance(action, exp.Command):
            return None
    return tuple(changes)
