"""UPDATE without WHERE overwrites an existing column"""

from alembic import op

revision = "c07"
down_revision = "0001"
EXPECTED = [
    ("update-without-where", "upgrade", "users", "name"),
]


def upgrade():
    op.execute("UPDATE users SET name = 'anonymous'")


def downgrade():
    op.execute("UPDATE users SET name = NULL WHERE name = 'anonymous'")
