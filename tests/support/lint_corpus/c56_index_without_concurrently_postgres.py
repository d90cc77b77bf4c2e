"""catch: CREATE INDEX on an existing PostgreSQL table, inside the revision's transaction"""

from alembic import op

revision = "c56"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [("index-locks-writes", "upgrade", "orders", None)]


def upgrade():
    op.create_index("ix_orders_total", "orders", ["total"])


def downgrade():
    op.drop_index("ix_orders_total", table_name="orders")
