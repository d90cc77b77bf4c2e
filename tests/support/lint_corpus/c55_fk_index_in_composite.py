"""twin: the key's column leads a composite index made in the same revision"""

import sqlalchemy as sa
from alembic import op

revision = "c55"
down_revision = "0001"
EXPECTED = [
    ("constraint-validates-under-lock", "upgrade", "orders", None),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.add_column("orders", sa.Column("user_id", sa.Integer()))
    op.create_index("ix_orders_user_placed", "orders", ["user_id", "id"])
    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="SET NULL")


def downgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
    op.drop_index("ix_orders_user_placed", table_name="orders")
    op.drop_column("orders", "user_id")
