"""safe twin of c66: the online FK helper; ALTERs InnoDB runs INSTANT or INPLACE with LOCK=NONE"""

import sqlalchemy as sa
from alembic import op

revision = "c75"
down_revision = "0001"
TARGET = "mariadb"
EXPECTED = [("several-ddl-non-transactional", "upgrade", None, None)]


def upgrade():
    op.create_foreign_key_online("fk_orders_user", "orders", "users", ["id"], ["id"])
    op.add_column("orders", sa.Column("placed", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP")))
    op.alter_column("orders", "placed", new_column_name="placed_at", existing_type=sa.DateTime())
    op.create_index("ix_orders_total", "orders", ["total"])
    op.alter_column("orders", "total", existing_type=sa.Integer(), server_default="0")


def downgrade():
    op.alter_column("orders", "total", existing_type=sa.Integer(), server_default=None)
    op.drop_index("ix_orders_total", table_name="orders")
    op.drop_column("orders", "placed_at")
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
