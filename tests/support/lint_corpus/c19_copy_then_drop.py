"""the values are copied by an UPDATE before the drop: the finding says so"""

import sqlalchemy as sa
from alembic import op

revision = "c19"
down_revision = "0001"
EXPECTED = [
    ("drop-column", "upgrade", "users", "name"),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.add_column("users", sa.Column("full_name", sa.String(100)))
    op.execute("UPDATE users SET full_name = name")
    op.drop_column("users", "name")


def downgrade():
    op.add_column("users", sa.Column("name", sa.String(100)))
    op.execute("UPDATE users SET name = full_name")
    op.drop_column("users", "full_name")
