"""UNIQUE on a Text column"""

import sqlalchemy as sa
from alembic import op

revision = "c30"
down_revision = "0001"
EXPECTED = [
    ("lob-in-key", "upgrade", "users", "bio"),
    ("several-ddl-non-transactional", "upgrade", None, None),
]


def upgrade():
    op.add_column("users", sa.Column("bio", sa.Text()))
    op.create_unique_constraint("uq_users_bio", "users", ["bio"])


def downgrade():
    op.drop_constraint("uq_users_bio", "users")
    op.drop_column("users", "bio")
