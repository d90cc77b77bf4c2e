"""raw DELETE and UPDATE whose WHERE holds for every row (WHERE 1 = 1, WHERE TRUE)"""

from alembic import op

revision = "c79"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "orders", None),
    ("data-change-irreversible", "downgrade", "users", None),
    ("delete-without-where", "upgrade", "orders", None),
    ("update-without-where", "upgrade", "users", "name"),
]


def upgrade():
    op.execute("DELETE FROM orders WHERE 1 = 1")
    op.execute("UPDATE users SET name = 'x' WHERE TRUE")


def downgrade():
    pass
