"""TRUNCATE of an existing table"""

from alembic import op

revision = "c05"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "orders", None),
    ("raw-ddl", "upgrade", "orders", None),
    ("truncate-table", "upgrade", "orders", None),
]


def upgrade():
    op.execute("TRUNCATE TABLE orders")


def downgrade():
    pass
