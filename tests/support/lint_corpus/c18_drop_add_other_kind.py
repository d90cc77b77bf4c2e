"""drop + add of another kind is no rename: drop-column only, no rename-as-drop-add"""

import sqlalchemy as sa
from alembic import op

revision = "c18"
down_revision = "0001"
EXPECTED = [
    ("drop-column", "upgrade", "users", "legacy"),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.drop_column("users", "legacy", existing_type=sa.String(20))
    op.add_column("users", sa.Column("visits", sa.Date()))


def downgrade():
    op.drop_column("users", "visits")
    op.add_column("users", sa.Column("legacy", sa.String(20)))
