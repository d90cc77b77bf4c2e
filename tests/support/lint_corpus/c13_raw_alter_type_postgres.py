"""raw PostgreSQL ALTER COLUMN .. TYPE"""

from alembic import op

revision = "c13"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [
    ("missing-downgrade", "downgrade", None, None),
    ("narrowing-type", "upgrade", "users", "name"),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("ALTER TABLE users ALTER COLUMN name TYPE VARCHAR(20)")


def downgrade():
    pass
