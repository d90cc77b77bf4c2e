"""catch: CREATE INDEX on an existing Oracle table without ONLINE (ORACLE_EDITION=enterprise has it)"""

from alembic import op

revision = "c70"
down_revision = "0001"
TARGET = "oracle 19 enterprise"
EXPECTED = [("index-locks-writes", "upgrade", "orders", None)]


def upgrade():
    op.create_index("ix_orders_total", "orders", ["total"])


def downgrade():
    op.drop_index("ix_orders_total", table_name="orders")
