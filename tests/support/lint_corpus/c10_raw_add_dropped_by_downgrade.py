"""twin: a column added by raw ALTER .. ADD, dropped by the downgrade"""

from alembic import op

revision = "c10"
down_revision = "0001"
EXPECTED = [
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("ALTER TABLE users ADD (nick VARCHAR2(30))")


def downgrade():
    op.drop_column("users", "nick")
