"""safe twin for Oracle: a CHECK by op.create_check_constraint_online (ENABLE NOVALIDATE, then VALIDATE)"""

import sqlalchemy as sa
from alembic import op

revision = "c78"
down_revision = "0001"
EXPECTED = []


def upgrade():
    op.create_check_constraint_online("ck_orders_total", "orders", sa.text("total >= 0"))


def downgrade():
    op.drop_constraint("ck_orders_total", "orders", type_="check")
