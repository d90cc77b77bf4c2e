"""Tiny Alembic migration directories for the lint tests, written into a test's tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

HEADER = '''"""{message}

Revision ID: {revision}
"""

from alembic import op
import sqlalchemy as sa

revision = {revision!r}
down_revision = {down!r}
branch_labels = None
depends_on = None
{extra}

def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''

# The schema every case starts from: two populated tables made by revision 0001.
BASE_UPGRADE = """
op.create_table(
    "users",
    sa.Column("id", sa.Integer(), sa.Sequence("users_id_seq"), primary_key=True),
    sa.Column("name", sa.String(100)),
    sa.Column("legacy", sa.String(20)),
    sa.Column("amount", sa.Numeric(10, 2)),
)
op.create_table("orders", sa.Column("id", sa.Integer(), sa.Sequence("orders_id_seq"), primary_key=True))
"""
BASE_DOWNGRADE = """
op.drop_table("orders")
op.drop_table("users")
"""


def _body(source: str) -> str:
    return textwrap.indent(textwrap.dedent(source).strip() or "pass", "    ")


def write_revision(
    directory: Path, revision: str, down: str | None, upgrade: str, downgrade: str = "pass", extra: str = ""
) -> Path:
    """Write one revision file into ``directory/versions``."""
    versions = directory / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    path = versions / f"{revision}_case.py"
    path.write_text(
        HEADER.format(
            message=f"case {revision}",
            revision=revision,
            down=down,
            extra=textwrap.dedent(extra),
            upgrade=_body(upgrade),
            downgrade=_body(downgrade),
        )
    )
    return path


def case_directory(tmp_path: Path, upgrade: str, downgrade: str = "pass", extra: str = "") -> Path:
    """A migration directory: the base revision 0001, then revision 0002 doing ``upgrade``/``downgrade``."""
    directory = tmp_path / "migrations"
    write_revision(directory, "0001", None, BASE_UPGRADE, BASE_DOWNGRADE)
    write_revision(directory, "0002", "0001", upgrade, downgrade, extra)
    return directory
