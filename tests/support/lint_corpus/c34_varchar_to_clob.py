"""VARCHAR2 -> CLOB alter (ORA-22858)"""

import sqlalchemy as sa
from alembic import op

revision = "c34"
down_revision = "0001"
EXPECTED = [
    ("lob-type-change", "downgrade", "users", "name"),
    ("lob-type-change", "upgrade", "users", "name"),
    ("narrowing-downgrade", "downgrade", "users", "name"),
]


def upgrade():
    op.alter_column("users", "name", existing_type=sa.String(100), type_=sa.Text())


def downgrade():
    op.alter_column("users", "name", existing_type=sa.Text(), type_=sa.String(100))
