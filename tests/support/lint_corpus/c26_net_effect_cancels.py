"""twin: a scratch table made and dropped; the revision changes rows only"""

import sqlalchemy as sa
from alembic import op

revision = "c26"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "orders", None),
]


def upgrade():
    op.create_table("scratch", sa.Column("id", sa.Integer(), autoincrement=False))
    op.execute("INSERT INTO scratch (id) SELECT id FROM users")
    op.execute("DELETE FROM orders WHERE id IN (SELECT id FROM scratch)")
    op.drop_table("scratch")


def downgrade():
    pass
