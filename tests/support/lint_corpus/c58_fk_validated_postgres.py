"""catch: a foreign key and a CHECK on an existing PostgreSQL table, validated under the lock"""

import sqlalchemy as sa
from alembic import op

revision = "c58"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [
    ("constraint-validates-under-lock", "upgrade", "orders", None),
    ("constraint-validates-under-lock", "upgrade", "orders", None),
]


def upgrade():
    op.create_foreign_key("fk_orders_user", "orders", "users", ["id"], ["id"])
    op.create_check_constraint("ck_orders_total", "orders", sa.text("total >= 0"))


def downgrade():
    op.drop_constraint("ck_orders_total", "orders", type_="check")
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
