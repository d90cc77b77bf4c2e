"""twin: the key has a Sequence"""

import sqlalchemy as sa
from alembic import op

revision = "c36"
down_revision = "0001"
EXPECTED = []


def upgrade():
    op.create_sequence("tags_id_seq")
    op.create_table("tags", sa.Column("id", sa.Integer(), sa.Sequence("tags_id_seq"), primary_key=True))


def downgrade():
    op.drop_table("tags")
    op.drop_sequence("tags_id_seq")
