"""twin: DELETE with WHERE, undone by the downgrade"""

from alembic import op

revision = "c06"
down_revision = "0001"
EXPECTED = []


def upgrade():
    op.execute("DELETE FROM orders WHERE id < 0")


def downgrade():
    op.execute("INSERT INTO orders (id) SELECT -1 FROM dual WHERE 1 = 0")
