"""a UnicodeText primary key (CLOB, ORA-02329)"""

from alembic import context, op
import sqlalchemy as sa

revision = "c29"
down_revision = "0001"
EXPECTED = [
    ('lob-in-key', 'upgrade', 'pages', 'slug'),
]


def upgrade():
    op.create_table("pages", sa.Column("slug", sa.UnicodeText(), primary_key=True))


def downgrade():
    op.drop_table("pages")
