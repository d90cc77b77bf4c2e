"""a UnicodeText primary key (CLOB, ORA-02329)"""

import sqlalchemy as sa
from alembic import op

revision = "c29"
down_revision = "0001"
EXPECTED = [
    ("lob-in-key", "upgrade", "pages", "slug"),
]


def upgrade():
    op.create_table("pages", sa.Column("slug", sa.UnicodeText(), primary_key=True))


def downgrade():
    op.drop_table("pages")
