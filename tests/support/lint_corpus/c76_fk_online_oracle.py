"""safe twin of c54's constraint-validates-under-lock: ENABLE NOVALIDATE, then VALIDATE, by the helper"""

import sqlalchemy as sa
from alembic import op

revision = "c76"
down_revision = "0001"
EXPECTED = [("several-ddl-non-transactional", "upgrade", None, None)]


def upgrade():
    op.add_column("orders", sa.Column("user_id", sa.Integer()))
    op.create_index_online("ix_orders_user_id", "orders", ["user_id"])
    op.create_foreign_key_online("fk_orders_user", "orders", "users", ["user_id"], ["id"])


def downgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
    op.drop_index_online("ix_orders_user_id", table_name="orders")
    op.drop_column("orders", "user_id")
