"""a Core UPDATE through the bind that nulls an existing column"""

import sqlalchemy as sa
from alembic import op

revision = "c04"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "users", None),
    ("update-set-null", "upgrade", "users", "legacy"),
]


def upgrade():
    users = sa.table("users", sa.column("legacy", sa.String))
    op.get_bind().execute(users.update().values(legacy=None))


def downgrade():
    pass
