"""What an ``op.execute(...)`` does: SQL strings parsed with sqlglot, SQLAlchemy constructs by type."""

from __future__ import annotations

import logging
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.sql import ClauseElement, TextClause, dml
from sqlalchemy.sql.ddl import ExecutableDDLElement

from ..quiet import quieter

if TYPE_CHECKING:
    from sqlglot import exp

# sqlglot is imported where a string is parsed: a chain without raw SQL (and `db upgrade` of one)
# does not pay its import time

Kind = Literal["ddl", "dml", "query", "unknown"]
_DDL_WORDS = {"CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "COMMENT", "GRANT", "REVOKE", "PURGE"}
_DML_WORDS = {"INSERT", "UPDATE", "DELETE", "MERGE"}
_PLSQL_WORDS = {"BEGIN", "DECLARE", "CALL", "EXEC", "EXECUTE"}
_ALTER_TABLE = re.compile(r"^\s*ALTER\s+TABLE\s+([\w.$#\"]+)", re.IGNORECASE)
_SQLGLOT_DIALECTS = {"oracle": "oracle", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}


@dataclass(frozen=True)
class RawStatement:
    """One statement of an ``op.execute``: DDL or DML, its verb, the table and columns it touches."""

    kind: Kind
    verb: str
    text: str
    table: str | None = None
    columns: frozenset[str] = field(default_factory=frozenset)
    hidden: bool = True  # a string or text(): nothing but this parse tells what it does

    @property
    def drops_table(self) -> bool:
        """``DROP TABLE``."""
        return self.verb == "drop table"

    @property
    def dropped_columns(self) -> frozenset[str]:
        """Columns an ``ALTER TABLE ... DROP`` removes."""
        return self.columns if self.verb == "alter table drop column" else frozenset()


def _name(node: exp.Expression | None) -> str | None:
    if node is None:
        return None
    return str(node.name).lower() or None


def _quiet_sqlglot() -> AbstractContextManager[None]:
    # sqlglot logs a warning when it falls back to a bare Command; the user sees our finding instead
    return quieter("sqlglot", logging.ERROR)


def _by_first_word(text: str) -> RawStatement:
    words = text.strip().split(None, 2)
    first = words[0].upper() if words else ""
    second = words[1].upper() if len(words) > 1 else ""
    if first in _PLSQL_WORDS:
        return RawStatement("ddl", "pl/sql block", text)
    if first in _DDL_WORDS:
        match = _ALTER_TABLE.match(text)
        table = match.group(1).strip('"').lower() if match else None
        verb = f"{first} {second}".lower()
        if match and re.search(r"\bDROP\b", text, re.IGNORECASE):
            columns = re.findall(r"\bDROP\s+(?:COLUMN\s+)?\(?\s*([\w$#\" ,]+)", text, re.IGNORECASE)
            names = {c.strip().strip('"').lower() for part in columns for c in part.split(",")}
            return RawStatement("ddl", "alter table drop column", text, table, frozenset(names - {""}))
        return RawStatement("ddl", verb, text, table)
    if first in _DML_WORDS:
        return RawStatement("dml", first.lower(), text)
    if first in {"SELECT", "WITH"}:
        return RawStatement("query", first.lower(), text)
    return RawStatement("unknown", first.lower(), text)


def _from_tree(tree: Any, text: str) -> RawStatement:
    from sqlglot import exp

    table = _name(tree.find(exp.Table))
    if isinstance(tree, exp.Command):
        return _by_first_word(text)
    if isinstance(tree, (exp.Create, exp.Drop)):
        kind = str(tree.args.get("kind") or "").lower()
        verb = f"{'create' if isinstance(tree, exp.Create) else 'drop'} {kind}".strip()
        if kind in {"sequence", "view", "index", "procedure", "function", "trigger"} and not isinstance(
            tree, exp.Create
        ):
            table = _name(tree.this) if isinstance(tree.this, exp.Expression) else table
        return RawStatement("ddl", verb, text, table)
    if isinstance(tree, exp.Alter):
        actions = tree.args.get("actions") or []
        dropped: set[str] = set()
        for action in actions:
            if isinstance(action, exp.Command):
                return _by_first_word(text)
            if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "COLUMN":
                dropped.update(_name(column) or "" for column in action.args.get("tables") or [])
        if dropped:
            return RawStatement("ddl", "alter table drop column", text, table, frozenset(dropped - {""}))
        return RawStatement("ddl", "alter table", text, table)
    if isinstance(tree, (exp.TruncateTable, exp.Comment, exp.Grant)):
        return RawStatement("ddl", type(tree).__name__.lower(), text, table)
    if isinstance(tree, exp.Update):
        columns = {_name(eq.this) for eq in tree.expressions if isinstance(eq, exp.EQ)}
        return RawStatement("dml", "update", text, table, frozenset(c for c in columns if c))
    if isinstance(tree, (exp.Insert, exp.Delete, exp.Merge)):
        return RawStatement("dml", type(tree).__name__.lower(), text, table)
    if isinstance(tree, exp.Query):
        return RawStatement("query", "select", text, table)
    return _by_first_word(text)


def classify_text(text: str, dialect: str = "oracle") -> list[RawStatement]:
    """Each statement of an SQL string: what kind it is and what it touches."""
    first = text.strip().split(None, 1)[:1]
    if not first or first[0].upper() in _PLSQL_WORDS:
        return [_by_first_word(text)]  # sqlglot reads SQL, not PL/SQL
    import sqlglot

    try:
        with _quiet_sqlglot():
            trees = sqlglot.parse(text, read=_SQLGLOT_DIALECTS.get(dialect))
    except sqlglot.errors.SqlglotError:
        return [_by_first_word(text)]
    parts = [tree for tree in trees if tree is not None]
    if len(parts) == 1:
        return [_from_tree(parts[0], text)]
    return [_from_tree(tree, tree.sql(dialect=_SQLGLOT_DIALECTS.get(dialect))) for tree in parts]


def classify(sqltext: Any, dialect: str = "oracle") -> list[RawStatement]:
    """The statements of an ``op.execute`` argument (string, ``text()`` or SQLAlchemy construct)."""
    if isinstance(sqltext, str):
        return classify_text(sqltext, dialect)
    if isinstance(sqltext, TextClause):
        return classify_text(sqltext.text, dialect)
    if isinstance(sqltext, dml.Update):
        table = getattr(sqltext.table, "name", None)
        values: dict[Any, Any] = dict(sqltext._values or {})
        columns = {str(getattr(key, "key", key)).lower() for key in values}
        return [RawStatement("dml", "update", str(type(sqltext).__name__), table, frozenset(columns), False)]
    if isinstance(sqltext, (dml.Insert, dml.Delete)):
        table = getattr(sqltext.table, "name", None)
        return [
            RawStatement("dml", type(sqltext).__name__.lower(), type(sqltext).__name__, table, hidden=False)
        ]
    if isinstance(sqltext, ExecutableDDLElement):
        # CreateSequence -> "create sequence", DropTable -> "drop table": the same verbs as parsed SQL
        verb = re.sub(r"(?<!^)([A-Z])", r" \1", type(sqltext).__name__).lower()
        name = getattr(getattr(sqltext, "element", None), "name", None)
        return [
            RawStatement("ddl", verb, type(sqltext).__name__, name.lower() if name else None, hidden=False)
        ]
    if isinstance(sqltext, ClauseElement):
        return [RawStatement("query", type(sqltext).__name__.lower(), type(sqltext).__name__, hidden=False)]
    return [RawStatement("unknown", type(sqltext).__name__.lower(), repr(sqltext)[:80])]
