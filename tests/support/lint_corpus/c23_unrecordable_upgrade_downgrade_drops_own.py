"""twin: upgrade cannot be recorded; its downgrade drops what it made"""

import sqlalchemy as sa
from alembic import op

revision = "c23"
down_revision = "0001"
EXPECTED = [
    ("not-analysable", "upgrade", None, None),
]


def upgrade():
    op.create_table(
        "audit_log", sa.Column("id", sa.Integer(), sa.Sequence("audit_log_id_seq"), primary_key=True)
    )
    op.get_bind().execute(sa.text("SELECT count(*) FROM users")).scalar()


def downgrade():
    op.drop_column("users", "nick")
    op.drop_table("audit_log")
