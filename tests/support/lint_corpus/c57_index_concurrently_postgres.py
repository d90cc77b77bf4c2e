"""safe twin of c56: CONCURRENTLY, in an autocommit block"""

from alembic import op

revision = "c57"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = []


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_total", "orders", ["total"], postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_total", table_name="orders", postgresql_concurrently=True)
