"""a data-only revision with no downgrade: warning, not missing-downgrade"""

from alembic import op

revision = "c25"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "users", None),
]


def upgrade():
    op.execute("UPDATE users SET name = 'unknown' WHERE name IS NULL")


def downgrade():
    pass
