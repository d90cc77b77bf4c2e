"""an integer primary key nothing generates on Oracle"""

import sqlalchemy as sa
from alembic import op

revision = "c35"
down_revision = "0001"
EXPECTED = [
    ("integer-pk-without-generator", "upgrade", "tags", "id"),
]


def upgrade():
    op.create_table(
        "tags", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("label", sa.String(40))
    )


def downgrade():
    op.drop_table("tags")
