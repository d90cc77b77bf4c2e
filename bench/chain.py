"""A long, realistic migration chain for benchmarks: ``generate_chain(directory, n)``.

Revision 1 creates a table; the rest cycle through add column, create index (on the column added
just before) and create sequence, each with its downgrade. Every revision lints clean, upgrades and
downgrades on SQLite, PostgreSQL and MariaDB, so other benchmarks can reuse it.
"""

from __future__ import annotations

from pathlib import Path

TABLE = "bench_item"

_TEMPLATE = '''"""generated revision {number} of {total}: {kind}

Revision ID: {revision}
Revises: {down}
"""

from alembic import op
import sqlalchemy as sa

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None


def upgrade():
    {upgrade}


def downgrade():
    {downgrade}
'''


def revision_id(number: int) -> str:
    """The id of the ``number``-th revision (1-based): ``r0001``."""
    return f"r{number:04d}"


def _operations(number: int) -> tuple[str, str, str]:
    if number == 1:
        # ids are the application's (autoincrement=False): Oracle would generate none for this key
        key = 'sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False)'
        create = f'op.create_table("{TABLE}", {key})'
        return "create table", create, f'op.drop_table("{TABLE}")'
    kind = number % 3
    column = f"c{number:04d}"
    if kind == 2:
        add = f'op.add_column("{TABLE}", sa.Column("{column}", sa.String(50), nullable=True))'
        return "add column", add, f'op.drop_column("{TABLE}", "{column}")'
    if kind == 0:
        indexed = f"c{number - 1:04d}"  # added by the previous revision
        index = f"ix_{TABLE}_{indexed}"
        create = f'op.create_index("{index}", "{TABLE}", ["{indexed}"])'
        return "create index", create, f'op.drop_index("{index}", table_name="{TABLE}")'
    sequence = f"{TABLE}_s{number:04d}"
    return "create sequence", f'op.create_sequence("{sequence}")', f'op.drop_sequence("{sequence}")'


def generate_chain(directory: Path, n: int) -> list[str]:
    """Write ``n`` linear revisions into ``directory/versions``; return their ids, base first."""
    versions = Path(directory) / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    ids = []
    for number in range(1, n + 1):
        kind, upgrade, downgrade = _operations(number)
        down = revision_id(number - 1) if number > 1 else None
        (versions / f"{revision_id(number)}_{kind.replace(' ', '_')}.py").write_text(
            _TEMPLATE.format(
                number=number,
                total=n,
                kind=kind,
                revision=revision_id(number),
                down=down or "",
                down_revision=down,
                upgrade=upgrade,
                downgrade=downgrade,
            )
        )
        ids.append(revision_id(number))
    return ids
