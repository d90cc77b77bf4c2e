"""catch: CREATE INDEX CONCURRENTLY inside the revision's transaction (PostgreSQL refuses it)"""

from alembic import op

revision = "c72"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [
    ("concurrently-in-transaction", "downgrade", "orders", None),
    ("concurrently-in-transaction", "upgrade", "orders", None),
    ("concurrently-in-transaction", "upgrade", "orders", None),
    ("raw-ddl", "upgrade", "orders", None),
]


def upgrade():
    op.create_index("ix_orders_total", "orders", ["total"], postgresql_concurrently=True)
    op.execute("CREATE INDEX CONCURRENTLY ix_orders_id_total ON orders (id, total)")


def downgrade():
    op.drop_index("ix_orders_total", table_name="orders", postgresql_concurrently=True)
