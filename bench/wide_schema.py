"""A 300-table schema for the autogenerate benchmark (models and the database differ a little)."""

from __future__ import annotations

import os

import sqlalchemy as sa

from oramigrate.oracle.naming import oracle_safe_metadata

TABLES = int(os.environ.get("BENCH_TABLES", "300"))


def build(tables: int, changed_every: int = 0) -> sa.MetaData:
    """``tables`` tables with a sequence key, six columns, an index and a key to the previous table.

    With ``changed_every`` > 0, every n-th table has one more column (what autogenerate must find).
    """
    metadata = oracle_safe_metadata()
    for number in range(tables):
        columns = [
            sa.Column("id", sa.Integer, sa.Sequence(f"t{number:03d}_id_seq"), primary_key=True),
            sa.Column("code", sa.String(40), nullable=False, index=True),
            sa.Column("label", sa.String(200)),
            sa.Column("amount", sa.Numeric(12, 2)),
            sa.Column("created", sa.DateTime),
            sa.Column("active", sa.Boolean, nullable=False),
        ]
        if number:
            columns.append(sa.Column("parent_id", sa.Integer, sa.ForeignKey(f"t{number - 1:03d}.id")))
        if changed_every and number % changed_every == 0:
            columns.append(sa.Column("note", sa.String(100)))
        sa.Table(f"t{number:03d}", metadata, *columns)
    return metadata


models = build(TABLES, changed_every=30)
