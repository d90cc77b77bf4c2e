"""A users file (CSV with a header row, or a JSON list of objects) read into rows with line numbers.

The file is bounded before it is parsed: at most ``MAX_FILE_BYTES``, ``MAX_ROWS`` rows, cells of
``MAX_CELL`` characters and JSON nested ``MAX_JSON_DEPTH`` deep (list, object, list of roles),
so a hostile or broken file costs a few milliseconds and one line, not memory or a RecursionError.
"""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from oramigrate.errors import MigrationError
from webapp.users import RowProblem, UserSpec

COLUMNS = ("email", "first_name", "last_name", "roles", "active", "password", "password_hash")
TEXT_COLUMNS = ("email", "first_name", "last_name", "password", "password_hash")
TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0")

# 20,000 users take minutes of argon2 on a few cores; 4 MiB holds them at ~200 bytes a row
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_ROWS = 20_000
# the widest column (email, password_hash) is 255 characters
MAX_CELL = 1_000
MAX_JSON_DEPTH = 3
MAX_ROLES = 100
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class UserFileError(MigrationError):
    """The file as a whole cannot be read: missing, too big, not UTF-8, empty, malformed, unknown column."""

    exit_code = 2


def _text(path: Path) -> str:
    try:
        # before opening: a FIFO would block the open, /dev/zero would never end
        if not stat.S_ISREG(path.stat().st_mode):
            raise UserFileError(f"{path.name}: not a regular file")
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UserFileError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise UserFileError(f"{path.name} is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB: split it")
    try:
        # utf-8-sig: spreadsheets write a byte-order mark in front of UTF-8 CSV
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserFileError(
            f"{path.name} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}): save it as UTF-8"
        ) from None
    if not text.strip():
        raise UserFileError(f"{path.name} is empty")
    return text


def _roles(value: Any) -> tuple[str, ...]:
    # CSV cells separate roles with ";" (a comma would split the cell); JSON may give a list
    if isinstance(value, list):
        if not all(isinstance(name, str) for name in value):
            raise ValueError("roles must be a list of names (text)")
        if len(value) > MAX_ROLES:
            raise ValueError(f"more than {MAX_ROLES} roles")
        names = value
    elif isinstance(value, str):
        if len(value) > MAX_CELL:
            raise ValueError(f"roles is longer than {MAX_CELL} characters")
        names = value.split(";")
    else:
        raise ValueError(f"roles must be text or a list of names, not {_kind(value)}")
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def _active(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower() if isinstance(value, str) else None
    if lowered in TRUE or lowered in FALSE:
        return lowered in TRUE
    raise ValueError(f"active must be true or false, not {value!r}"[:120])


def _kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", bool: "true/false", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def _cell(fields: dict[str, Any], column: str) -> str | None:
    value = fields.get(column)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{column} must be text, not {_kind(value)}")
    if len(value) > MAX_CELL:
        raise ValueError(f"{column} is longer than {MAX_CELL} characters")
    return value


def row_spec(fields: dict[str, Any], line: int) -> UserSpec:
    """One row's fields as a UserSpec; ValueError names what is wrong with it."""
    unknown = [key for key in fields if key not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown column {unknown[0][:40]!r} (known: {', '.join(COLUMNS)})")
    text = {column: _cell(fields, column) for column in TEXT_COLUMNS}
    email = (text["email"] or "").strip()
    if not email:
        raise ValueError("email is empty")
    last_name = text["last_name"]
    active = fields.get("active")
    password, password_hash = text["password"], (text["password_hash"] or "").strip()
    return UserSpec(
        email=email,
        # an empty first_name keeps the current one (the column is NOT NULL); an empty
        # last_name clears it
        first_name=(text["first_name"] or "").strip() or None,
        last_name=None if last_name is None else last_name.strip(),
        roles=None if "roles" not in fields else _roles(fields["roles"] or ""),
        active=None if active is None or active == "" else _active(active),
        # passwords are taken as typed: spaces may be part of them
        password=password or None,
        password_hash=password_hash or None,
        line=line,
    )


# a row is its fields, or (str) why it cannot be read
Row = tuple[int, dict[str, Any] | str]


def _csv_rows(name: str, text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
    except csv.Error as exc:
        raise UserFileError(f"{name} line 1: {_csv_problem(exc)}") from None
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        raise UserFileError(
            f"{name} line 1: unknown column {unknown[0][:40]!r} (known: {', '.join(COLUMNS)})"
        )
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise UserFileError(f"{name} line 1: column {repeated[0]!r} appears twice")
    if "email" not in header:
        raise UserFileError(f"{name} line 1: no email column")
    line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UserFileError(f"{name} line {line + 1}: {_csv_problem(exc)}") from None
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            yield start, f"{len(cells)} cells, more than the header's {len(header)} columns"
            continue
        yield start, dict(zip(header, cells, strict=False))


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell is longer than {MAX_CELL} characters"
    return f"not valid CSV ({exc})"


class _RepeatedKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in pairs:
        if key in fields:
            raise _RepeatedKey(f"column {key[:40]!r} appears twice")
        fields[key] = value
    return fields


def _check_depth(name: str, text: str) -> None:
    """UserFileError when brackets outside strings nest deeper than a users file needs."""
    # strings blanked to the same length, so that positions (and line numbers) still hold
    blanked = _JSON_STRING.sub(lambda match: '""'.rjust(len(match.group()), " "), text)
    depth = 0
    for match in _BRACKET.finditer(blanked):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            line = text.count("\n", 0, match.start()) + 1
            raise UserFileError(
                f'{name} line {line}: nested deeper than a users file ([{{..., "roles": [...]}}])'
            )


def _json_rows(name: str, text: str) -> Iterator[Row]:
    _check_depth(name, text)
    # decoded element by element so that every row keeps the line it starts on
    decoder = json.JSONDecoder(object_pairs_hook=_unique_keys)
    position = len(text) - len(text.lstrip())
    if text[position] != "[":
        raise UserFileError(f"{name}: a JSON users file is a list of objects, [{{...}}, ...]")
    position += 1
    while True:
        position += len(text[position:]) - len(text[position:].lstrip())
        if text.startswith("]", position):
            return
        line = text.count("\n", 0, position) + 1
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise UserFileError(f"{name} line {exc.lineno}: invalid JSON: {exc.msg}") from None
        except _RepeatedKey as exc:
            raise UserFileError(f"{name} line {line}: {exc}") from None
        yield (line, value if isinstance(value, dict) else f"a row is a JSON object, not {_kind(value)}")
        position += len(text[position:]) - len(text[position:].lstrip())
        if text.startswith(",", position):
            position += 1
        elif not text.startswith("]", position):
            line = text.count("\n", 0, position) + 1
            raise UserFileError(f"{name} line {line}: invalid JSON: expected ',' or ']'")


def read_users(path: Path) -> tuple[list[UserSpec], list[RowProblem]]:
    """The rows of ``path`` and the problems of the rows that could not be read."""
    if path.suffix.lower() not in (".csv", ".json"):
        raise UserFileError(f"{path.name}: a users file ends in .csv or .json")
    text = _text(path)
    rows = _csv_rows(path.name, text) if path.suffix.lower() == ".csv" else _json_rows(path.name, text)
    specs: list[UserSpec] = []
    problems: list[RowProblem] = []
    for count, (line, fields) in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise UserFileError(f"{path.name} has more than {MAX_ROWS:,} rows: split it")
        if isinstance(fields, str):
            problems.append(RowProblem(line, fields))
            continue
        try:
            specs.append(row_spec(fields, line))
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
    if not specs and not problems:
        raise UserFileError(f"{path.name} has no users")
    return specs, problems
