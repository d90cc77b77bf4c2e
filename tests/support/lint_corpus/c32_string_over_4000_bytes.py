"""String(5000) on 11.2"""

import sqlalchemy as sa
from alembic import op

revision = "c32"
down_revision = "0001"
EXPECTED = [
    ("string-too-long", "upgrade", "users", "notes"),
]


def upgrade():
    op.add_column("users", sa.Column("notes", sa.String(5000)))


def downgrade():
    op.drop_column("users", "notes")
