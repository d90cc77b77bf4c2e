"""raw-ddl is one warning per op.execute, listing its statements"""

from alembic import op

revision = "c48"
down_revision = "0001"
EXPECTED = [
    ("raw-ddl", "upgrade", "users", None),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.execute("CREATE INDEX ix_a ON users (name); CREATE INDEX ix_b ON users (legacy)")


def downgrade():
    op.drop_index("ix_b", table_name="users")
    op.drop_index("ix_a", table_name="users")
