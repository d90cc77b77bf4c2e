"""a PostgreSQL TSVECTOR column does not compile for Oracle"""

import sqlalchemy as sa
from alembic import op

revision = "c27"
down_revision = "0001"
EXPECTED = [
    ("not-renderable", "upgrade", "users", None),
]


def upgrade():
    from sqlalchemy.dialects import postgresql

    op.add_column("users", sa.Column("search", postgresql.TSVECTOR()))


def downgrade():
    op.drop_column("users", "search")
