"""UPDATE .. SET existing column = NULL"""

from alembic import op

revision = "c08"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "users", None),
    ("update-set-null", "upgrade", "users", "legacy"),
]


def upgrade():
    op.execute("UPDATE users SET legacy = NULL WHERE id > 10")


def downgrade():
    pass
