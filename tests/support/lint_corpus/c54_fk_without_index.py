"""catch: a foreign key with no index on Oracle (a parent delete locks the whole child table)"""

import sqlalchemy as sa
from alembic import op

revision = "c54"
down_revision = "0001"
EXPECTED = [
    ("constraint-validates-under-lock", "upgrade", "orders", None),
    ("foreign-key-without-index", "upgrade", "orders", "user_id"),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.add_column("orders", sa.Column("user_id", sa.Integer()))
    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE")


def downgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
    op.drop_column("orders", "user_id")
