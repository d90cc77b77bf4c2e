"""DELETE without WHERE through exec_driver_sql"""

from alembic import op

revision = "c02"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "orders", None),
    ("delete-without-where", "upgrade", "orders", None),
]


def upgrade():
    op.get_bind().exec_driver_sql("DELETE FROM orders")


def downgrade():
    pass
