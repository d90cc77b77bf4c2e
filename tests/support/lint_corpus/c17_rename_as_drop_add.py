"""a rename written as drop + add of a fitting type"""

import sqlalchemy as sa
from alembic import op

revision = "c17"
down_revision = "0001"
EXPECTED = [
    ("drop-column", "upgrade", "users", "name"),
    ("rename-as-drop-add", "upgrade", "users", "name"),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.add_column("users", sa.Column("full_name", sa.String(100)))
    op.drop_column("users", "name")


def downgrade():
    op.add_column("users", sa.Column("name", sa.String(100)))
    op.drop_column("users", "full_name")
