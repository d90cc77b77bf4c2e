"""a Core DELETE without WHERE through op.execute"""

import sqlalchemy as sa
from alembic import op

revision = "c50"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "orders", None),
    ("delete-without-where", "upgrade", "orders", None),
]


def upgrade():
    op.execute(sa.delete(sa.table("orders")))


def downgrade():
    pass
