"""twin: a data-only revision whose downgrade undoes it"""

from alembic import op

revision = "c24"
down_revision = "0001"
EXPECTED = []


def upgrade():
    op.execute("UPDATE users SET name = 'unknown' WHERE name IS NULL")


def downgrade():
    op.execute("UPDATE users SET name = NULL WHERE name = 'unknown'")
