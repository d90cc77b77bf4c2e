"""onupdate= on a foreign key is silently dropped on Oracle"""

import sqlalchemy as sa
from alembic import op

revision = "c41"
down_revision = "0001"
EXPECTED = [
    ("fk-action-unsupported", "upgrade", "orders", None),
]


def upgrade():
    op.add_column("orders", sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", onupdate="CASCADE")))


def downgrade():
    op.drop_column("orders", "user_id")
