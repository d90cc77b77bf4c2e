"""A second opinion on Oracle scripts: read them line by line as SQL*Plus does, parse each with sqlglot.

Written from the SQL*Plus User's Guide and Reference (11.2 to 23), independently of the library's
own splitter (``oramigrate/oracle/sqlplus.py``), so that a mistake in one is caught by the other:
- outside a statement: blank lines and ``--``/``REM`` comments are skipped; ``WHENEVER``, ``SET``,
  ``PROMPT``, ``EXIT`` ... are SQL*Plus commands; ``/`` runs the buffer again;
- a statement that starts with DECLARE, BEGIN, CREATE [OR REPLACE] FUNCTION/PROCEDURE/PACKAGE/
  TRIGGER/TYPE is PL/SQL and runs only at a ``/`` line;
- any other statement runs at a line ending in ``;`` (wherever that ``;`` is) or at a ``/`` line;
  a blank line ends its entry unrun unless SQLBLANKLINES is ON (a ``/`` next still runs it, a new
  statement replaces it); a ``.`` line ends any entry unrun;
- with DEFINE ON (the default) ``&`` asks for a substitution variable.
Whatever SQL*Plus would misread (a statement run twice or half, lost, or prompting) raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

# sqlglot 30 has no grammar for these Oracle forms and falls back to a bare Command; we accept
# such a fallback only for these exact shapes, so an unparsable statement still fails.
_COMMAND_SHAPES = (
    re.compile(r"^ALTER TABLE [a-z_][a-z0-9_$#]* MODIFY [a-z_][a-z0-9_$#]* (NOT )?NULL$"),
    re.compile(r"^ALTER TABLE [a-z_][a-z0-9_$#]* RENAME COLUMN [a-z_][a-z0-9_$#]* TO [a-z_][a-z0-9_$#]*$"),
    re.compile(
        r"^ALTER TABLE [a-z_][a-z0-9_$#]* MODIFY [a-z_][a-z0-9_$#]* [A-Z0-9]+(\(\d+( CHAR| BYTE)?\))?$"
    ),
    # SQL Language Reference: CREATE INDEX's index_attributes ONLINE; DROP INDEX ... ONLINE (12c+);
    # constraint_state ENABLE NOVALIDATE; ALTER TABLE ... MODIFY CONSTRAINT name VALIDATE
    re.compile(
        r"^CREATE (UNIQUE )?INDEX [a-z_][a-z0-9_$#]* ON [a-z_][a-z0-9_$#]* \([a-z0-9_$#, ]+\) ONLINE$"
    ),
    re.compile(r"^DROP INDEX [a-z_][a-z0-9_$#]* ONLINE$"),
    re.compile(
        r"^ALTER TABLE [a-z_][a-z0-9_$#]* ADD CONSTRAINT [a-z_][a-z0-9_$#]* FOREIGN KEY ?\([a-z0-9_$#, ]+\)"
        r" REFERENCES [a-z_][a-z0-9_$#]* \([a-z0-9_$#, ]+\)( ON DELETE (CASCADE|SET NULL))?"
        r" ENABLE NOVALIDATE$"
    ),
    re.compile(r"^ALTER TABLE [a-z_][a-z0-9_$#]* MODIFY CONSTRAINT [a-z_][a-z0-9_$#]* VALIDATE$"),
    re.compile(
        r"^ALTER TABLE [a-z_][a-z0-9_$#]* ADD CONSTRAINT [a-z_][a-z0-9_$#]* CHECK \([a-z0-9_ <>=!.']+\)"
        r" ENABLE NOVALIDATE$"
    ),
    # a default set or dropped: a number, a string literal, NULL or a bare function (SYSDATE)
    re.compile(
        r"^ALTER TABLE [a-z_][a-z0-9_$#]* MODIFY [a-z_][a-z0-9_$#]* DEFAULT (-?\d+|'([^']|'')*'|[A-Z_]+)$"
    ),
)
_PLSQL = re.compile(
    r"^(DECLARE|BEGIN)\b|^CREATE\s+(OR\s+REPLACE\s+)?((NON)?EDITIONABLE\s+)?"
    r"(FUNCTION|PROCEDURE|PACKAGE|TRIGGER|TYPE)\b",
    re.IGNORECASE,
)
_COMMANDS = ("WHENEVER", "SET", "PROMPT", "EXIT", "QUIT", "SPOOL", "DEFINE", "REM", "REMARK", "SHOW")


class SqlPlusMisread(AssertionError):
    """SQL*Plus would not run this script as written: a statement lost, cut, run twice or prompting."""


@dataclass(frozen=True)
class Entry:
    """What SQL*Plus runs: a SQL*Plus command, a SQL statement or a PL/SQL block (text as sent)."""

    kind: str  # "command", "sql", "plsql"
    text: str
    line: int


@dataclass
class _Reader:
    define: bool = True
    blank_lines: bool = False
    buffer: list[str] | None = None
    pending: tuple[str, str, int] | None = None  # an entry a blank line ended unrun: "/" still runs it
    kind: str = ""
    started: int = 0
    ran: bool = False  # the last thing was a statement that already ran


def _command(reader: _Reader, bare: str) -> None:
    words = bare.upper().split()
    if words[:2] == ["SET", "DEFINE"]:
        reader.define = words[2:3] != ["OFF"]
    if words[:2] == ["SET", "SQLBLANKLINES"]:
        reader.blank_lines = words[2:3] == ["ON"]


def sqlplus_entries(script: str) -> list[Entry]:
    """The entries SQL*Plus runs, in order; SqlPlusMisread where it would not run the script as meant."""
    reader, entries = _Reader(), []
    in_comment = False
    for number, line in enumerate(script.split("\n"), 1):
        bare = line.strip()
        if reader.define and "&" in line:
            raise SqlPlusMisread(f"line {number}: '&' with DEFINE ON prompts for a substitution variable")
        if reader.buffer is None:
            if in_comment:
                in_comment = "*/" not in bare
                continue
            if not bare or bare.startswith("--") or bare.upper().split()[0] in ("REM", "REMARK"):
                continue
            if bare.startswith("/*"):
                in_comment = "*/" not in bare
                continue
            if bare == "/" and reader.pending is not None:
                kind, text, started = reader.pending
                entries.append(Entry(kind, text, started))
                reader.pending, reader.ran = None, True
                continue
            if bare == "/":
                raise SqlPlusMisread(
                    f"line {number}: '/' runs the last statement again"
                    if reader.ran
                    else f"line {number}: '/' with nothing to run"
                )
            if bare.upper().split()[0] in _COMMANDS:
                _command(reader, bare)
                entries.append(Entry("command", bare, number))
                reader.ran = False
                continue
            if reader.pending is not None:
                raise SqlPlusMisread(f"line {reader.pending[2]}: statement ended by a blank line never runs")
            reader.buffer, reader.started, reader.ran = [], number, False
            reader.kind = "plsql" if _PLSQL.match(bare) else "sql"
        if bare == "/":
            entries.append(Entry(reader.kind, "\n".join(reader.buffer).strip(), reader.started))
            reader.buffer, reader.ran = None, True
        elif bare == ".":
            raise SqlPlusMisread(f"line {number}: '.' ends the statement from line {reader.started} unrun")
        elif not bare and reader.kind == "sql" and not reader.blank_lines:
            # SQLBLANKLINES OFF: the entry ends unrun; only a "/" next runs it, a new statement loses it
            reader.pending = ("sql", "\n".join(reader.buffer).strip(), reader.started)
            reader.buffer = None
        elif reader.kind == "sql" and line.rstrip().endswith(";"):
            reader.buffer.append(line.rstrip()[:-1])
            entries.append(Entry("sql", "\n".join(reader.buffer).strip(), reader.started))
            reader.buffer, reader.ran = None, True
        else:
            reader.buffer.append(line)
    if reader.pending is not None:
        raise SqlPlusMisread(f"line {reader.pending[2]}: statement ended by a blank line never runs")
    if reader.buffer is not None:
        raise SqlPlusMisread(f"statement from line {reader.started} never runs (no ';' or '/' after it)")
    return entries


def statements(script: str, kinds: tuple[str, ...] = ("sql", "plsql")) -> list[str]:
    """The SQL statements and PL/SQL blocks of a script, as SQL*Plus sends them to the database."""
    return [entry.text for entry in sqlplus_entries(script) if entry.kind in kinds]


def commands(script: str) -> list[str]:
    """The SQL*Plus commands of a script (WHENEVER, SET, PROMPT, EXIT), in order."""
    return [entry.text for entry in sqlplus_entries(script) if entry.kind == "command"]


def _without_comments(statement: str) -> str:
    return "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--")).strip()


def parse(statement: str) -> exp.Expression:
    """Parse one Oracle SQL statement; raise unless sqlglot understood it (or it is a known shape)."""
    statement = _without_comments(statement)
    flat = " ".join(statement.split())
    try:
        tree = sqlglot.parse_one(statement, read="oracle", error_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.ParseError:
        if not any(shape.match(flat) for shape in _COMMAND_SHAPES):
            raise
        return exp.Command(this=flat)
    if isinstance(tree, exp.Command) and not any(shape.match(flat) for shape in _COMMAND_SHAPES):
        raise ValueError(f"sqlglot could not parse: {flat}")
    return tree


_EXECUTE_IMMEDIATE = re.compile(r"EXECUTE IMMEDIATE '((?:[^']|'')*)'", re.IGNORECASE)
_PLSQL_DML = re.compile(r"^\s*(UPDATE|INSERT|DELETE|MERGE)\b[^;]*;", re.IGNORECASE | re.MULTILINE)


def parse_plsql(block: str) -> list[exp.Expression]:
    """A PL/SQL block: it must end in END; its dynamic SQL and its DML statements must parse."""
    body = _without_comments(block)
    if not re.search(r"\bEND(\s+\w+)?;\s*$", body, re.IGNORECASE):
        raise ValueError(f"PL/SQL block does not end with END;: {body[-60:]!r}")
    inner = [literal.replace("''", "'") for literal in _EXECUTE_IMMEDIATE.findall(body)]
    inner += [match.group(0).rstrip(";") for match in _PLSQL_DML.finditer(body)]
    return [parse(sql) for sql in inner]


def check_script(script: str) -> list[Entry]:
    """Every entry of a script read as SQL*Plus would, each statement parsed (PL/SQL: its SQL)."""
    entries = sqlplus_entries(script)
    for entry in entries:
        if entry.kind == "sql":
            parse(entry.text)
        elif entry.kind == "plsql":
            parse_plsql(entry.text)
    return entries


def identifiers(statement: str) -> list[str]:
    """Every table, column, constraint and sequence name in a parsed statement."""
    tree = parse(statement)
    names = [node.name for node in tree.find_all(exp.Identifier)]
    return names + re.findall(r"CONSTRAINT (\w+)", statement)
