"""DateTime(timezone=True) is stored as DATE"""

import sqlalchemy as sa
from alembic import op

revision = "c42"
down_revision = "0001"
EXPECTED = [
    ("timezone-dropped", "upgrade", "orders", "placed_at"),
]


def upgrade():
    op.add_column("orders", sa.Column("placed_at", sa.DateTime(timezone=True)))


def downgrade():
    op.drop_column("orders", "placed_at")
