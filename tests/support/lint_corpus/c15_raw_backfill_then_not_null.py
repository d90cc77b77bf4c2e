"""twin: raw backfill, then MODIFY (c NOT NULL)"""

from alembic import op

revision = "c15"
down_revision = "0001"
EXPECTED = [
    ("raw-ddl", "downgrade", "users", None),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("UPDATE users SET name = 'unknown' WHERE name IS NULL")
    op.execute("ALTER TABLE users MODIFY (name NOT NULL)")


def downgrade():
    op.execute("ALTER TABLE users MODIFY (name NULL)")
