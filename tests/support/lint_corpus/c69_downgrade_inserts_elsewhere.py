"""a downgrade that puts rows back into another table than the one the upgrade deleted from (a
copy-paste slip): the deleted rows are not restored, and the downgrade adds rows users never had"""

from alembic import op

revision = "c69"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "orders", None),
    ("data-change-irreversible", "downgrade", "users", None),
]


def upgrade():
    op.execute("DELETE FROM orders WHERE id < 0")


def downgrade():
    op.execute("INSERT INTO users (id) VALUES (-1)")
