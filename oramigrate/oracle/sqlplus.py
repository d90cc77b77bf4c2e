"""Statements as SQL*Plus and SQLcl read a script: split, PL/SQL kept whole, nothing run twice or half.

SQL*Plus reads a script line by line (SQL*Plus User's Guide and Reference, "Running SQL Commands",
"Running PL/SQL Blocks", SET SQLBLANKLINES, SET BLOCKTERMINATOR):
- a SQL statement runs at a line ending in ``;`` (even inside a string literal or a comment) or at a
  line holding only ``/``; a ``/`` after a ``;`` runs the statement a second time;
- a PL/SQL block (DECLARE, BEGIN, CREATE FUNCTION/PROCEDURE/PACKAGE/TRIGGER/TYPE, WITH FUNCTION)
  runs only at a ``/`` line: its own ``;`` belong to it;
- a blank line ends a SQL statement's entry unrun unless SQLBLANKLINES is ON; a line holding only
  ``.`` ends any entry unrun.
We write each statement without a closing ``;`` (a PL/SQL block keeps its own) and follow it with a
``/`` line; blank lines outside string literals are dropped; what SQL*Plus would still misread
(a line ending in ``;`` inside a literal or comment, a ``/`` or ``.`` line inside a literal) is
refused with the way out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import UnsupportedOperation

_PLSQL_START = re.compile(
    r"^(DECLARE|BEGIN)\b"
    r"|^CREATE\s+(OR\s+REPLACE\s+)?((NON)?EDITIONABLE\s+)?"
    r"(FUNCTION|PROCEDURE|PACKAGE|TRIGGER|TYPE|LIBRARY|JAVA|AND\s+(RESOLVE|COMPILE))\b"
    r"|^WITH\s+(FUNCTION|PROCEDURE)\b",
    re.IGNORECASE,
)
_Q_CLOSERS = {"[": "]", "{": "}", "(": ")", "<": ">"}


class UnsafeForSqlPlus(UnsupportedOperation):
    """A statement SQL*Plus would split, cut short or run twice, whatever the script does around it."""


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its text (no closing ``;`` unless PL/SQL) and whether it is PL/SQL."""

    text: str
    plsql: bool


def code_mask(text: str) -> list[bool]:
    """For each character: True in code, False inside a string literal, quoted name or comment."""
    mask = [True] * len(text)
    index, size = 0, len(text)
    while index < size:
        char, pair = text[index], text[index : index + 2]
        end = None
        if pair == "--":
            newline = text.find("\n", index)
            end = size if newline < 0 else newline
        elif pair == "/*":
            close = text.find("*/", index + 2)
            end = size if close < 0 else close + 2
        elif pair.lower() == "q'" and index + 2 < size and (index == 0 or not text[index - 1].isalnum()):
            opener = text[index + 2]
            closer = _Q_CLOSERS.get(opener, opener) + "'"
            close = text.find(closer, index + 3)
            end = size if close < 0 else close + 2
        elif char in "'\"":
            cursor = index + 1
            while True:
                close = text.find(char, cursor)
                if close < 0:
                    end = size
                    break
                if text[close + 1 : close + 2] == char:  # '' or "" inside: an escaped quote
                    cursor = close + 2
                    continue
                end = close + 1
                break
        if end is None:
            index += 1
            continue
        for position in range(index, end):
            mask[position] = False
        index = end
    return mask


def _code_only(text: str, mask: list[bool]) -> str:
    return "".join(char if keep else " " for char, keep in zip(text, mask, strict=True))


def is_plsql(text: str) -> bool:
    """Whether SQL*Plus reads ``text`` as a PL/SQL block (ended only by a ``/`` line)."""
    return bool(_PLSQL_START.match(_code_only(text, code_mask(text)).strip()))


def split(text: str) -> list[Statement]:
    """The statements of raw SQL as its author meant them: ``;`` and ``/`` lines end them, PL/SQL whole."""
    mask = code_mask(text)
    code = _code_only(text, mask)
    found: list[Statement] = []
    start, size = 0, len(text)
    while start < size:
        rest = code[start:]
        if not rest.strip():
            break
        slash = re.search(r"^[ \t]*/[ \t]*$", rest, re.MULTILINE)
        chunk_end = start + slash.start() if slash else size
        after_chunk = start + slash.end() if slash else size
        if is_plsql(text[start:chunk_end]):
            found.append(Statement(text[start:chunk_end].strip(), True))
            start = after_chunk
            continue
        semicolon = code.find(";", start, chunk_end)
        end = chunk_end if semicolon < 0 else semicolon
        piece = text[start:end]
        if _code_only(piece, code_mask(piece)).strip():
            found.append(Statement(piece.strip(), False))
        start = end + 1 if semicolon >= 0 else after_chunk
    return found


def _without_blank_lines(text: str) -> str:
    # a blank line inside a literal is data (SET SQLBLANKLINES ON keeps it); elsewhere it only
    # risks ending the statement in a client without that setting
    mask = code_mask(text)
    kept, offset = [], 0
    for line in text.split("\n"):
        in_code = offset == 0 or mask[offset - 1]  # the line break before this line
        if line.strip() or not in_code:
            kept.append(line)
        offset += len(line) + 1
    return "\n".join(kept)


def checked(statement: Statement) -> str:
    """The statement's text as the script writes it, or UnsafeForSqlPlus saying what SQL*Plus would do."""
    text = statement.text.strip()
    if not statement.plsql:
        text = _without_blank_lines(text.rstrip(";").rstrip())
    first = " ".join(text.split())[:80]
    for line in text.split("\n")[:-1] if not statement.plsql else text.split("\n"):
        bare = line.strip()
        if bare in ("/", "."):
            raise UnsafeForSqlPlus(
                f"a line holding only {bare!r} inside this statement would end it in SQL*Plus: {first}; "
                "build the text with CHR(10) || '/' instead of a line break"
            )
        if not statement.plsql and bare.endswith(";"):
            raise UnsafeForSqlPlus(
                "a line ending in ';' inside a string literal or comment would run this statement "
                f"half-way in SQL*Plus: {first}; move the ';' off the line end (or use CHR(59))"
            )
    return text
