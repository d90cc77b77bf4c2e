"""a NOT NULL backfill of '' is NULL on Oracle"""

import sqlalchemy as sa
from alembic import op

revision = "c43"
down_revision = "0001"
EXPECTED = [
    ("empty-string-not-null", "upgrade", "users", "legacy"),
]


def upgrade():
    op.execute("UPDATE users SET legacy = '' WHERE legacy IS NULL")
    op.alter_column("users", "legacy", existing_type=sa.String(20), nullable=False)


def downgrade():
    op.alter_column("users", "legacy", existing_type=sa.String(20), nullable=True)
