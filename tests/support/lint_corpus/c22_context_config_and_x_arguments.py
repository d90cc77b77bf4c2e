"""twin: context.config, get_x_argument() and op.get_context().config work offline"""

import sqlalchemy as sa
from alembic import context, op

revision = "c22"
down_revision = "0001"
EXPECTED = []


def upgrade():
    if context.get_x_argument(as_dictionary=True).get("seed"):
        op.execute("INSERT INTO orders (id) VALUES (1)")
    assert op.get_context().config is context.config
    op.add_column("users", sa.Column("nick", sa.String(30)))


def downgrade():
    op.drop_column("users", "nick")
