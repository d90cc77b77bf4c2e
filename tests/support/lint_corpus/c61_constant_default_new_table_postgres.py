"""safe twin of c60 and c56: a constant default; the new table's index, NOT NULL and type are free"""

import sqlalchemy as sa
from alembic import op

revision = "c61"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = []


def upgrade():
    op.add_column("orders", sa.Column("channel", sa.String(10), server_default="web"))
    op.create_table("events", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("at", sa.DateTime()))
    op.create_index("ix_events_at", "events", ["at"])
    op.alter_column("events", "at", nullable=False, existing_type=sa.DateTime())


def downgrade():
    op.drop_table("events")
    op.drop_column("orders", "channel")
