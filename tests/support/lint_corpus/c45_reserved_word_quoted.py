"""a reserved word SQLAlchemy quotes: the message says so"""

import sqlalchemy as sa
from alembic import op

revision = "c45"
down_revision = "0001"
EXPECTED = [
    ("oracle-reserved-word", "upgrade", None, None),
]


def upgrade():
    op.add_column("users", sa.Column("level", sa.Integer()))


def downgrade():
    op.drop_column("users", "level")
