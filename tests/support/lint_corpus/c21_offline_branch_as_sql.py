"""a branch on op.get_context().as_sql"""

import sqlalchemy as sa
from alembic import op

revision = "c21"
down_revision = "0001"
EXPECTED = [
    ("offline-branch", "upgrade", None, None),
]


def upgrade():
    if not op.get_context().as_sql:
        op.get_bind().execute(sa.text("DELETE FROM orders"))
    op.add_column("users", sa.Column("nick", sa.String(30)))


def downgrade():
    op.drop_column("users", "nick")
