"""rows inserted into an existing table by a revision that also changes the schema: the downgrade
drops the column but leaves the rows"""

import sqlalchemy as sa
from alembic import op

revision = "c67"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "orders", None),
]


def upgrade():
    op.add_column("users", sa.Column("nick", sa.String(30)))
    op.execute("INSERT INTO orders (id) SELECT id FROM users WHERE id < 10")


def downgrade():
    op.drop_column("users", "nick")
