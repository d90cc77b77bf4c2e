"""shorter titles, no summary

Revision ID: 8e4d0c7a2b55
Revises: 3f1c2a9b7d10
Create Date: 2024-03-12 09:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "8e4d0c7a2b55"
down_revision = "3f1c2a9b7d10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.alter_column("title", existing_type=sa.String(length=200), type_=sa.String(length=80))
        batch_op.drop_column("summary")


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sa.TEXT(), nullable=True))
        batch_op.alter_column("title", existing_type=sa.String(length=80), type_=sa.String(length=200))
