"""price

Revision ID: d002
Revises: d001
Create Date: 2026-11-28 08:01:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d002"
down_revision = "d001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("items", sa.Column("price", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("items", "price")
