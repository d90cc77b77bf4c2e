"""items

Revision ID: d001
Revises:
Create Date: 2026-11-28 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("items")
