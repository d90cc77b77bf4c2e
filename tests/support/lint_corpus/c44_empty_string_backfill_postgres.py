"""twin: on PostgreSQL '' is a value"""

import sqlalchemy as sa
from alembic import op

revision = "c44"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [
    ("set-not-null-scans", "upgrade", "users", "legacy"),
]


def upgrade():
    op.execute("UPDATE users SET legacy = '' WHERE legacy IS NULL")
    op.alter_column("users", "legacy", existing_type=sa.String(20), nullable=False)


def downgrade():
    op.alter_column("users", "legacy", existing_type=sa.String(20), nullable=True)
