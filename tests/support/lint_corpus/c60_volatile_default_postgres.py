"""catch: a column with a volatile default (every row rewritten) and a type change"""

import sqlalchemy as sa
from alembic import op

revision = "c60"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [
    ("narrowing-downgrade", "downgrade", "orders", "total"),
    ("type-change-rewrites", "upgrade", "orders", "total"),
    ("volatile-default", "upgrade", "orders", "seen_at"),
]


def upgrade():
    op.add_column("orders", sa.Column("seen_at", sa.DateTime(), server_default=sa.text("now()")))
    op.alter_column("orders", "total", type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade():
    op.alter_column("orders", "total", type_=sa.Integer(), existing_type=sa.BigInteger())
    op.drop_column("orders", "seen_at")
