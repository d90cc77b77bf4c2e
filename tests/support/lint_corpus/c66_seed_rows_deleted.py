"""twin: reference rows inserted by the upgrade and deleted by the downgrade"""

import sqlalchemy as sa
from alembic import op

revision = "c66"
down_revision = "0001"
EXPECTED = []


def upgrade():
    orders = sa.table("orders", sa.column("id", sa.Integer))
    op.bulk_insert(orders, [{"id": -1}, {"id": -2}])


def downgrade():
    op.execute("DELETE FROM orders WHERE id IN (-1, -2)")
