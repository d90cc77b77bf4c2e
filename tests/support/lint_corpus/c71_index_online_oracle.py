"""safe twin of c62: op.create_index_online writes CREATE INDEX ... ONLINE"""

from alembic import op

revision = "c71"
down_revision = "0001"
TARGET = "oracle 19 enterprise"
EXPECTED = []


def upgrade():
    op.create_index_online("ix_orders_total", "orders", ["total"])


def downgrade():
    op.drop_index_online("ix_orders_total", table_name="orders")
