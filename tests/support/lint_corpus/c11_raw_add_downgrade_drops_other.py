"""catch: the downgrade drops a column the raw ADD did not make"""

from alembic import op

revision = "c11"
down_revision = "0001"
EXPECTED = [
    ("drop-column", "downgrade", "users", "legacy"),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("ALTER TABLE users ADD (nick VARCHAR2(30))")


def downgrade():
    op.drop_column("users", "nick")
    op.drop_column("users", "legacy")
