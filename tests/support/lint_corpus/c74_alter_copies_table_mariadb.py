"""catch: ALTERs MariaDB runs as ALGORITHM=COPY on an existing table (FK with checks on, CHECKs, uuid())"""

import sqlalchemy as sa
from alembic import op

revision = "c74"
down_revision = "0001"
TARGET = "mariadb"
EXPECTED = [
    ("alter-copies-table", "upgrade", "orders", None),
    ("alter-copies-table", "upgrade", "orders", None),
    ("alter-copies-table", "upgrade", "orders", None),
    ("alter-copies-table", "upgrade", "orders", None),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.create_foreign_key("fk_orders_user", "orders", "users", ["id"], ["id"])
    op.create_check_constraint("ck_orders_total", "orders", sa.text("total >= 0"))
    op.add_column("orders", sa.Column("token", sa.String(36), server_default=sa.text("(uuid())")))
    # the helper has no online form on MariaDB either: it runs the same copying ALTER
    op.create_check_constraint_online("ck_orders_id", "orders", sa.text("id > 0"))


def downgrade():
    op.drop_constraint("ck_orders_id", "orders", type_="check")
    op.drop_column("orders", "token")
    op.drop_constraint("ck_orders_total", "orders", type_="check")
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
