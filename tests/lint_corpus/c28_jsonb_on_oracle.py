"""a JSONB column does not compile for Oracle"""

from alembic import context, op
import sqlalchemy as sa

revision = "c28"
down_revision = "0001"
EXPECTED = [
    ('not-renderable', 'upgrade', 'users', None),
]


def upgrade():
    from sqlalchemy.dialects import postgresql
    op.add_column("users", sa.Column("prefs", postgresql.JSONB()))


def downgrade():
    op.drop_column("users", "prefs")
