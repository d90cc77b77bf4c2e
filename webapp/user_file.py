"""A users file (CSV with a header row, or a JSON list of objects) read into rows with line numbers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from oramigrate.errors import MigrationError
from webapp.users import RowProblem, UserSpec

COLUMNS = ("email", "first_name", "last_name", "roles", "active", "password", "password_hash")
TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0")


class UserFileError(MigrationError):
    """The file as a whole cannot be read: missing, not UTF-8, empty, malformed, unknown column."""

    exit_code = 2


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserFileError(f"cannot read {path}: {exc.strerror}") from None
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
    names = value if isinstance(value, list) else str(value).split(";")
    return tuple(dict.fromkeys(str(name).strip() for name in names if str(name).strip()))


def _active(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in TRUE or lowered in FALSE:
        return lowered in TRUE
    raise ValueError(f"active must be true or false, not {value!r}")


def _cell(value: Any) -> str | None:
    return None if value is None else str(value).strip()


def row_spec(fields: dict[str, Any], line: int) -> UserSpec:
    """One row's fields as a UserSpec; ValueError names what is wrong with it."""
    unknown = [key for key in fields if key not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})")
    email = _cell(fields.get("email"))
    if not email:
        raise ValueError("email is empty")
    last_name = _cell(fields.get("last_name"))
    active = fields.get("active")
    password, password_hash = fields.get("password"), _cell(fields.get("password_hash"))
    return UserSpec(
        email=email,
        # an empty first_name keeps the current one (the column is NOT NULL); an empty
        # last_name clears it
        first_name=_cell(fields.get("first_name")) or None,
        last_name=last_name,
        roles=None if "roles" not in fields else _roles(fields["roles"] or ""),
        active=None if active is None or active == "" else _active(active),
        # passwords are taken as typed: spaces may be part of them
        password=None if password is None or password == "" else str(password),
        password_hash=password_hash or None,
        line=line,
    )


# a row is its fields, or (str) why it cannot be read
Row = tuple[int, dict[str, Any] | str]


def _csv_rows(name: str, text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader)]
    unknown = [column for column in header if column not in COLUMNS]
    if unknown:
        raise UserFileError(f"{name} line 1: unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})")
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise UserFileError(f"{name} line 1: column {repeated[0]!r} appears twice")
    if "email" not in header:
        raise UserFileError(f"{name} line 1: no email column")
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            yield start, f"{len(cells)} cells, more than the header's {len(header)} columns"
            continue
        yield start, dict(zip(header, cells, strict=False))


def _json_rows(name: str, text: str) -> Iterator[Row]:
    # decoded element by element so that every row keeps the line it starts on
    decoder = json.JSONDecoder()
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
        yield (
            line,
            value if isinstance(value, dict) else f"a row is a JSON object, not {type(value).__name__}",
        )
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
    for line, fields in rows:
        if isinstance(fields, str):
            problems.append(RowProblem(line, fields))
        else:
            try:
                specs.append(row_spec(fields, line))
            except ValueError as exc:
                problems.append(RowProblem(line, str(exc)))
    if not specs and not problems:
        raise UserFileError(f"{path.name} has no users")
    return specs, problems
