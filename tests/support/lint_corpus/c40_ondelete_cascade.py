"""twin: ondelete='CASCADE' is Oracle's"""

import sqlalchemy as sa
from alembic import op

revision = "c40"
down_revision = "0001"
EXPECTED = [
    ("constraint-validates-under-lock", "upgrade", "orders", None),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.add_column("orders", sa.Column("user_id", sa.Integer()))
    op.create_index("ix_orders_user_id", "orders", ["user_id"])  # the key's index (Oracle locks)
    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE")


def downgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
    op.drop_index("ix_orders_user_id", table_name="orders")
    op.drop_column("orders", "user_id")
