"""twin: Identity() on 19 generates the key"""

import sqlalchemy as sa
from alembic import op

revision = "c38"
down_revision = "0001"
TARGET = "oracle 19"
EXPECTED = []


def upgrade():
    op.create_table("tags", sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True))


def downgrade():
    op.drop_table("tags")
