"""safe twin of c58's CHECK: op.create_check_constraint_online (NOT VALID, then VALIDATE after the commit)"""

import sqlalchemy as sa
from alembic import op

revision = "c77"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = []


def upgrade():
    op.create_check_constraint_online("ck_orders_total", "orders", sa.text("total >= 0"))


def downgrade():
    op.drop_constraint("ck_orders_total", "orders", type_="check")
