"""twin: String(4000) fits"""

import sqlalchemy as sa
from alembic import op

revision = "c33"
down_revision = "0001"
EXPECTED = []


def upgrade():
    op.add_column("users", sa.Column("notes", sa.String(4000)))


def downgrade():
    op.drop_column("users", "notes")
