"""a branch on context.is_offline_mode()"""

import sqlalchemy as sa
from alembic import context, op

revision = "c20"
down_revision = "0001"
EXPECTED = [
    ("data-change-irreversible", "downgrade", "users", None),
    ("offline-branch", "upgrade", None, None),
]


def upgrade():
    if context.is_offline_mode():
        op.execute("UPDATE users SET name = '?' WHERE name IS NULL")
    else:
        for _row in op.get_bind().execute(sa.text("SELECT id FROM users")):
            pass


def downgrade():
    pass
