"""twin: harmless DDL through the bind is a raw-ddl warning, nothing more"""

import sqlalchemy as sa
from alembic import op

revision = "c47"
down_revision = "0001"
EXPECTED = [
    ("raw-ddl", "downgrade", None, None),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.get_bind().execute(sa.text("CREATE INDEX ix_users_name ON users (name)"))


def downgrade():
    op.get_bind().execute(sa.text("DROP INDEX ix_users_name"))
