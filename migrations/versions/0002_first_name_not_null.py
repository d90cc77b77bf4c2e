"""Make auth_user.first_name NOT NULL: backfill NULLs, then alter the column in place.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:05:00

The original project's own change. Hand-audited: alter_column, never drop-and-recreate (batch
mode recreates the table only on SQLite, which cannot ALTER a column; rows are copied there).
The backfill value is not '': Oracle stores '' as NULL, so it would not satisfy NOT NULL.
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BACKFILL = "unknown"


def upgrade():
    auth_user = sa.table("auth_user", sa.column("first_name", sa.String(100)))
    op.execute(
        auth_user.update()
        .where(auth_user.c.first_name.is_(None))
        .values(first_name=op.inline_literal(BACKFILL))
    )
    with op.batch_alter_table("auth_user") as batch_op:
        batch_op.alter_column("first_name", existing_type=sa.String(length=100), nullable=False)


def downgrade():
    # Backfilled names stay: which rows were NULL before is not recorded anywhere.
    with op.batch_alter_table("auth_user") as batch_op:
        batch_op.alter_column("first_name", existing_type=sa.String(length=100), nullable=True)
