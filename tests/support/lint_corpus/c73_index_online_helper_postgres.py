"""safe twin of c56 and c64: op.create_index_online (CONCURRENTLY in an autocommit block of its own)"""

from alembic import op

revision = "c73"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = []


def upgrade():
    op.create_index_online("ix_orders_total", "orders", ["total"])


def downgrade():
    op.drop_index_online("ix_orders_total", table_name="orders")
