"""The fingerprint of a statement's bound values: the same in every process, and never changed by a
shortcut (journal rows written by earlier versions are compared with it)."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from oramigrate.deploy import journal
from oramigrate.deploy.journal import _stable, describe_statement

PROBE = sa.table("bind_probe", sa.column("n", sa.Integer()))


def _general(value: Any) -> Any:
    # the general form, as every version of the journal computed it
    if isinstance(value, (set, frozenset)):
        return sorted((_general(item) for item in value), key=repr)
    if isinstance(value, dict):
        return {key: _general(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_general(item) for item in value]
    return value


class Note(str):
    def __repr__(self) -> str:
        return f"Note({str(self)!r})"


@pytest.mark.parametrize(
    "value",
    [
        [{"id": 1, "note": "a", "at": datetime.date(2024, 1, 2), "cost": decimal.Decimal("1.5"), "x": None}],
        [{"id": 1, "tags": ("a", "b")}, {"id": 2, "tags": {"b", "a"}}],
        [{"id": 1, "note": Note("a")}],
        [[{"id": 1}], {"n": frozenset({3, 1})}],
        [],
        [1, 2],
    ],
)
def test_the_plain_rows_shortcut_keeps_the_general_form(value: Any) -> None:
    assert repr(_stable(value)) == repr(_general(value))


def test_the_fingerprint_of_journal_rows_written_before_is_unchanged() -> None:
    # the value the MariaDB journal tests show for insert().values(n=9)
    assert describe_statement(PROBE.insert().values(n=9), mysql.dialect()) == (
        "INSERT INTO bind_probe (n) VALUES (%s) [values 8b28b58f2e]"
    )


def test_a_bulk_insert_fingerprint_is_the_general_one(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"n": n} for n in range(1000)]
    now = describe_statement(PROBE.insert(), postgresql.dialect(), {"multiparams": rows})
    monkeypatch.setattr(journal, "_stable", _general)
    assert now == describe_statement(PROBE.insert(), postgresql.dialect(), {"multiparams": rows})
    assert now.endswith("]") and "[values " in now
