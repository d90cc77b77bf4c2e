"""reference rows inserted into an existing table, a downgrade that leaves them: after a downgrade they
stay, and the next upgrade inserts them again (or fails on the key)"""

import sqlalchemy as sa
from alembic import op

revision = "c65"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "orders", None),
]


def upgrade():
    orders = sa.table("orders", sa.column("id", sa.Integer))
    op.bulk_insert(orders, [{"id": -1}, {"id": -2}])


def downgrade():
    pass
