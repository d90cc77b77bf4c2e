"""raw SET NOT NULL with no backfill"""

from alembic import op

revision = "c14"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [
    ("not-null-without-default", "upgrade", "users", "name"),
    ("raw-ddl", "downgrade", "users", None),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("ALTER TABLE users ALTER COLUMN name SET NOT NULL")


def downgrade():
    op.execute("ALTER TABLE users ALTER COLUMN name DROP NOT NULL")
