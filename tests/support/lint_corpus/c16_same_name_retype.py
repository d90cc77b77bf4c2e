"""a column dropped and re-added under the same name (a retype)"""

import sqlalchemy as sa
from alembic import op

revision = "c16"
down_revision = "0001"
EXPECTED = [
    ("drop-column", "upgrade", "users", "legacy"),
    ("drop-recreate-column", "upgrade", "users", "legacy"),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.drop_column("users", "legacy")
    op.add_column("users", sa.Column("legacy", sa.Integer()))


def downgrade():
    op.drop_column("users", "legacy")
    op.add_column("users", sa.Column("legacy", sa.String(20)))
