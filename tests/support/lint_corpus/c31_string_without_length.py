"""String() with no length: a bare VARCHAR2"""

import sqlalchemy as sa
from alembic import op

revision = "c31"
down_revision = "0001"
EXPECTED = [
    ("varchar-without-length", "upgrade", "users", "nick"),
]


def upgrade():
    op.add_column("users", sa.Column("nick", sa.String()))


def downgrade():
    op.drop_column("users", "nick")
