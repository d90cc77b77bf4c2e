"""a statement sqlglot cannot parse is said so"""

from alembic import op

revision = "c51"
down_revision = "0001"
EXPECTED = [
    ("raw-ddl", "downgrade", "users", None),
    ("raw-ddl", "upgrade", "users", None),
    ("unparsed-sql", "downgrade", None, None),
    ("unparsed-sql", "upgrade", None, None),
]


def upgrade():
    op.execute("ALTER TABLE users ENABLE ROW MOVEMENT")


def downgrade():
    op.execute("ALTER TABLE users DISABLE ROW MOVEMENT")
