"""safe twin of c58: NOT VALID, then VALIDATE"""

import sqlalchemy as sa
from alembic import op

revision = "c59"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [("raw-ddl", "upgrade", "orders", None), ("unparsed-sql", "upgrade", None, None)]


def upgrade():
    op.create_foreign_key("fk_orders_user", "orders", "users", ["id"], ["id"], postgresql_not_valid=True)
    op.create_check_constraint("ck_orders_total", "orders", sa.text("total >= 0"), postgresql_not_valid=True)
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user")


def downgrade():
    op.drop_constraint("ck_orders_total", "orders", type_="check")
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
