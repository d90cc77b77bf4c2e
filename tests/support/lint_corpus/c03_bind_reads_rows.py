"""a revision that reads rows offline: fetchall() on no result"""

import sqlalchemy as sa
from alembic import op

revision = "c03"
down_revision = "0001"
EXPECTED = [
    ("not-analysable", "upgrade", None, None),
]


def upgrade():
    rows = op.get_bind().execute(sa.text("SELECT id, name FROM users")).fetchall()
    for row in rows:
        op.execute(f"UPDATE users SET name = upper(name) WHERE id = {row.id}")


def downgrade():
    pass
