"""twin: a branch on the dialect name is no offline branch"""

import sqlalchemy as sa
from alembic import op

revision = "c53"
down_revision = "0001"
EXPECTED = [
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    if op.get_bind().dialect.name == "oracle":
        op.create_sequence("users_nick_seq")
    op.add_column("users", sa.Column("nick", sa.String(30)))


def downgrade():
    op.drop_column("users", "nick")
    if op.get_context().dialect.name == "oracle":
        op.drop_sequence("users_nick_seq")
