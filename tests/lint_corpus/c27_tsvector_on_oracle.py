"""a PostgreSQL TSVECTOR column does not compile for Oracle"""

from alembic import context, op
import sqlalchemy as sa

revision = "c27"
down_revision = "0001"
EXPECTED = [
    ('not-renderable', 'upgrade', 'users', None),
]


def upgrade():
    from sqlalchemy.dialects import postgresql
    op.add_column("users", sa.Column("search", postgresql.TSVECTOR()))


def downgrade():
    op.drop_column("users", "search")
