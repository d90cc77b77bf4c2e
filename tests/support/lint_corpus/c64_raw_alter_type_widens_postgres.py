"""twin: raw PostgreSQL ALTER COLUMN .. TYPE widening VARCHAR(100) to VARCHAR(200), then back"""

from alembic import op

revision = "c64"
down_revision = "0001"
TARGET = "postgresql"
EXPECTED = [
    ("narrowing-downgrade", "downgrade", "users", "name"),
    ("raw-ddl", "downgrade", "users", None),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("ALTER TABLE users ALTER COLUMN name TYPE VARCHAR(200)")


def downgrade():
    op.execute("ALTER TABLE users ALTER COLUMN name TYPE VARCHAR(100)")
