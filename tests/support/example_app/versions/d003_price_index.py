"""price index

Revision ID: d003
Revises: d002
Create Date: 2026-11-28 08:02:00

"""

from alembic import op

revision = "d003"
down_revision = "d002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_items_price", "items", ["price"])


def downgrade():
    op.drop_index("ix_items_price", table_name="items")
