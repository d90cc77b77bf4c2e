"""What SQL sent by a revision does: strings parsed with sqlglot (the target's dialect), constructs by type.

Each statement says what it changes (tables, columns, rows) so rules can follow a string of several
statements in order, exactly as they follow operations.
"""

from __future__ import annotations

import logging
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.sql import ClauseElement, TextClause, dml
from sqlalchemy.sql.ddl import DDL, ExecutableDDLElement

from ..private import update_values
from ..quiet import quieter

if TYPE_CHECKING:
    from sqlglot import exp

    from .raw_alter import ColumnChange

# sqlglot and our ALTER TABLE reader are imported where a string is parsed: a chain without raw SQL
# (and `db upgrade` of one) does not pay their import time

Kind = Literal["ddl", "dml", "query", "unknown"]
_PLSQL_WORDS = {"BEGIN", "DECLARE", "CALL", "EXEC", "EXECUTE"}
_IMMEDIATE = re.compile(r"EXECUTE\s+IMMEDIATE\s+'((?:[^']|'')*)'", re.IGNORECASE)
SQLGLOT_DIALECTS = {"oracle": "oracle", "postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}


@dataclass(frozen=True)
class RawStatement:
    """One SQL statement a revision sends: its kind and verb, and what it changes."""

    kind: Kind
    verb: str
    text: str
    table: str | None = None
    columns: frozenset[str] = field(default_factory=frozenset)  # UPDATE: the columns it sets
    hidden: bool = True  # a string or text(): nothing but this parse tells what it does
    parsed: bool = True  # False: neither sqlglot nor our fallbacks understood it
    temporary: bool = False  # CREATE TEMPORARY / GLOBAL TEMPORARY TABLE
    where: bool = True  # UPDATE / DELETE: has a WHERE clause
    nulls: frozenset[str] = field(default_factory=frozenset)  # UPDATE: columns SET to NULL
    empties: frozenset[str] = field(default_factory=frozenset)  # UPDATE: columns SET to ''
    copies: tuple[tuple[str, str], ...] = ()  # UPDATE: (column set, column its value is read from)
    changes: tuple[ColumnChange, ...] = ()  # ALTER TABLE: per column, in order
    column_types: tuple[tuple[str, str], ...] = ()  # CREATE TABLE: (column, its type as written)
    schema: str | None = None  # the schema the table is qualified with (DROP/TRUNCATE/DELETE/UPDATE/ALTER)

    @property
    def drops_table(self) -> bool:
        """``DROP TABLE``."""
        return self.verb == "drop table"

    @property
    def dropped_columns(self) -> frozenset[str]:
        """Columns an ``ALTER TABLE ... DROP`` removes."""
        return frozenset(c.column for c in self.changes if c.action == "drop")

    def describe(self) -> str:
        """``DROP TABLE users``, ``CREATE INDEX ON users``: the verb and what it is on."""
        if not self.table:
            return self.verb.upper()
        return f"{self.verb.upper()} {'ON ' if self.verb == 'create index' else ''}{self.table}"


def _name(node: exp.Expression | None) -> str | None:
    if node is None:
        return None
    return str(node.name).lower() or None


def _schema(node: exp.Expression | None) -> str | None:
    """The schema a table name is qualified with (``archive`` of ``archive.t``), lowercase."""
    schema = node.args.get("db") if node is not None else None
    return str(schema.name).lower() or None if schema is not None else None


def _quiet_sqlglot() -> AbstractContextManager[None]:
    # sqlglot logs a warning when it falls back to a bare Command; the user sees our finding instead
    return quieter("sqlglot", logging.ERROR)


def _by_words(text: str) -> RawStatement:
    """A statement sqlglot could not parse: what its words say, marked unparsed unless understood."""
    words = text.strip().split(None, 2)
    first = words[0].upper() if words else ""
    second = words[1].upper() if len(words) > 1 else ""
    if first in _PLSQL_WORDS:
        return RawStatement("ddl", "pl/sql block", text, parsed=False)
    if first == "ALTER" and second == "TABLE":
        from .raw_alter import by_regex, oracle_modify

        understood = oracle_modify(text) or by_regex(text)
        if understood is not None:
            table, changes = understood
            return RawStatement("ddl", "alter table", text, table, changes=changes)
    kind: Kind = "ddl" if first in {"CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "COMMENT"} else "unknown"
    altered = re.match(r"^\s*ALTER\s+TABLE\s+([\w$#\"]+)", text, re.IGNORECASE)
    name = altered.group(1).strip('"').lower() if altered else None
    return RawStatement(kind, f"{first} {second}".strip().lower(), text, name, parsed=False)


def _update(tree: Any, text: str) -> RawStatement:
    from sqlglot import exp

    columns, nulls, empties, copies = set(), set(), set(), []
    table = tree.find(exp.Table)
    for eq in tree.expressions:
        if not isinstance(eq, exp.EQ) or _name(eq.this) is None:
            continue
        column = str(_name(eq.this))
        columns.add(column)
        value = eq.expression
        if isinstance(value, exp.Null):
            nulls.add(column)
        elif isinstance(value, exp.Literal) and value.is_string and value.this == "":
            empties.add(column)
        copies += [(column, str(_name(source))) for source in value.find_all(exp.Column) if _name(source)]
    return RawStatement(
        "dml",
        "update",
        text,
        _name(table),
        frozenset(columns),
        where=_limits(tree.args.get("where")),
        nulls=frozenset(nulls),
        empties=frozenset(empties),
        copies=tuple(copies),
        schema=_schema(table),
    )


def _limits(where: Any) -> bool:
    """Whether a parsed WHERE clause limits the rows: WHERE TRUE, WHERE 1 = 1 (and MySQL's WHERE 1) do not."""
    from sqlglot import exp
    from sqlglot.optimizer.simplify import simplify

    if where is None:
        return False
    try:
        condition = simplify(where.this.copy())
    except Exception:  # noqa: BLE001 - a condition the simplifier cannot take is taken as a limit
        return True
    if isinstance(condition, exp.Boolean):
        return not condition.this
    if isinstance(condition, exp.Literal) and not condition.is_string:
        return float(condition.this) == 0
    return True


def _create_or_drop(tree: Any, text: str, dialect: str | None) -> list[RawStatement]:
    from sqlglot import exp

    kind = str(tree.args.get("kind") or "").lower()
    verb = f"{'create' if isinstance(tree, exp.Create) else 'drop'} {kind}".strip()
    if isinstance(tree, exp.Drop):
        if kind not in ("table", "sequence"):  # DROP INDEX ix: the name is no table's
            return [RawStatement("ddl", verb, text)]
        targets = tree.args.get("tables") or ([tree.this] if isinstance(tree.this, exp.Expression) else [])
        return [
            RawStatement("ddl", verb, text, _name(target), schema=_schema(target)) for target in targets
        ] or [RawStatement("ddl", verb, text)]
    target = tree.this
    if isinstance(target, exp.Index):
        return [RawStatement("ddl", verb, text, _name(target.args.get("table")))]
    column_types: tuple[tuple[str, str], ...] = ()
    if isinstance(target, exp.Schema):
        column_types = tuple(
            (str(d.name).lower(), d.args["kind"].sql(dialect=dialect))
            for d in target.expressions
            if isinstance(d, exp.ColumnDef) and d.args.get("kind") is not None
        )
        target = target.this
    properties = tree.args.get("properties")
    temporary = properties is not None and any(
        isinstance(p, exp.TemporaryProperty) for p in properties.expressions
    )
    return [RawStatement("ddl", verb, text, _name(target), temporary=temporary, column_types=column_types)]


def _from_tree(tree: Any, text: str, dialect: str | None) -> list[RawStatement]:
    from sqlglot import exp

    if isinstance(tree, exp.Command):
        return [_by_words(text)]
    if isinstance(tree, (exp.Create, exp.Drop)):
        return _create_or_drop(tree, text, dialect)
    if isinstance(tree, exp.Alter):
        from .raw_alter import alter_changes

        changes = alter_changes(tree, dialect)
        if changes is None:
            return [_by_words(text)]
        table, schema = _name(tree.this), _schema(tree.this)
        return [RawStatement("ddl", "alter table", text, table, changes=changes, schema=schema)]
    if isinstance(tree, exp.TruncateTable):
        return [
            RawStatement("ddl", "truncate table", text, _name(t), schema=_schema(t)) for t in tree.expressions
        ]
    if isinstance(tree, (exp.Comment, exp.Grant)):
        return [RawStatement("ddl", type(tree).__name__.lower(), text, _name(tree.find(exp.Table)))]
    if isinstance(tree, exp.Update):
        return [_update(tree, text)]
    if isinstance(tree, exp.Delete):
        found = tree.find(exp.Table)
        where = _limits(tree.args.get("where"))
        return [RawStatement("dml", "delete", text, _name(found), where=where, schema=_schema(found))]
    if isinstance(tree, (exp.Insert, exp.Merge)):
        return [RawStatement("dml", type(tree).__name__.lower(), text, _name(tree.find(exp.Table)))]
    if isinstance(tree, exp.Query):
        return [RawStatement("query", "select", text, _name(tree.find(exp.Table)))]
    return [_by_words(text)]


def _plsql(text: str, dialect: str) -> list[RawStatement]:
    """A PL/SQL block is not read, but the SQL it runs by EXECUTE IMMEDIATE '...' is."""
    inner = [s.replace("''", "'") for s in _IMMEDIATE.findall(text)]
    # what the block runs is judged statement by statement; the block itself is only "unparsed"
    block = RawStatement("unknown" if inner else "ddl", "pl/sql block", text, parsed=False)
    return [block, *(statement for sql in inner for statement in classify_text(sql, dialect))]


def classify_text(text: str, dialect: str = "oracle") -> list[RawStatement]:
    """Each statement of an SQL string, in order: what kind it is and what it changes."""
    first = text.strip().split(None, 1)[:1]
    if not first:
        return []
    if first[0].upper() in _PLSQL_WORDS:
        return _plsql(text, dialect)
    import sqlglot

    read = SQLGLOT_DIALECTS.get(dialect)
    try:
        with _quiet_sqlglot():
            trees = [tree for tree in sqlglot.parse(text, read=read) if tree is not None]
    except sqlglot.errors.SqlglotError:
        return [_by_words(text)]
    if len(trees) == 1:
        return _from_tree(trees[0], text, read)
    return [s for tree in trees for s in _from_tree(tree, tree.sql(dialect=read), read)]


def _construct(sqltext: Any) -> list[RawStatement]:
    """A SQLAlchemy construct: it says what it is, no parsing needed."""
    if isinstance(sqltext, dml.Update):
        table = getattr(sqltext.table, "name", None)
        values = update_values(sqltext)
        named = {str(getattr(key, "key", key)).lower(): value for key, value in values.items()}
        nulls = {c for c, v in named.items() if getattr(v, "value", v) is None or type(v).__name__ == "Null"}
        return [
            RawStatement(
                "dml",
                "update",
                "Update",
                table,
                frozenset(named),
                False,
                where=sqltext.whereclause is not None,
                nulls=frozenset(nulls),
            )
        ]
    if isinstance(sqltext, (dml.Insert, dml.Delete)):
        verb = type(sqltext).__name__.lower()
        where = getattr(sqltext, "whereclause", None) is not None or verb == "insert"
        return [
            RawStatement("dml", verb, verb, getattr(sqltext.table, "name", None), hidden=False, where=where)
        ]
    if isinstance(sqltext, ExecutableDDLElement):
        # CreateSequence -> "create sequence", DropTable -> "drop table": the same verbs as parsed SQL
        verb = re.sub(r"(?<!^)([A-Z])", r" \1", type(sqltext).__name__).lower()
        name = getattr(getattr(sqltext, "element", None), "name", None)
        return [RawStatement("ddl", verb, verb, name.lower() if name else None, hidden=False)]
    return [RawStatement("query", type(sqltext).__name__.lower(), type(sqltext).__name__, hidden=False)]


def classify(sqltext: Any, dialect: str = "oracle") -> list[RawStatement]:
    """The statements of an ``op.execute`` / bind argument (string, ``text()`` or SQLAlchemy construct)."""
    if isinstance(sqltext, str):
        return classify_text(sqltext, dialect)
    if isinstance(sqltext, TextClause):
        return classify_text(sqltext.text, dialect)
    if isinstance(sqltext, DDL):  # sa.DDL("DROP TABLE t"): SQL text in a DDL construct
        return classify_text(sqltext.statement, dialect)
    if isinstance(sqltext, ClauseElement):
        return _construct(sqltext)
    return [RawStatement("unknown", type(sqltext).__name__.lower(), repr(sqltext)[:80], parsed=False)]
