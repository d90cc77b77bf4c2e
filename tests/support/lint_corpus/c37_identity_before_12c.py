"""Identity() on 11.2 is dropped silently"""

import sqlalchemy as sa
from alembic import op

revision = "c37"
down_revision = "0001"
EXPECTED = [
    ("identity-unsupported", "upgrade", "tags", "id"),
]


def upgrade():
    op.create_table("tags", sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True))


def downgrade():
    op.drop_table("tags")
