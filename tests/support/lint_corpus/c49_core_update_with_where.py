"""twin: a Core UPDATE with WHERE through op.execute"""

import sqlalchemy as sa
from alembic import op

revision = "c49"
down_revision = "0001"
EXPECTED = []


def upgrade():
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("name", sa.String))
    op.execute(users.update().where(users.c.id == 1).values(name="root"))


def downgrade():
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("name", sa.String))
    op.execute(users.update().where(users.c.id == 1).values(name=None))
