"""DROP TABLE sent through op.get_bind().execute(text())"""

import sqlalchemy as sa
from alembic import op

revision = "c01"
down_revision = "0001"
EXPECTED = [
    ("drop-table", "upgrade", "orders", None),
    ("raw-ddl", "upgrade", "orders", None),
]


def upgrade():
    op.get_bind().execute(sa.text("DROP TABLE orders"))


def downgrade():
    op.create_table("orders", sa.Column("id", sa.Integer(), sa.Sequence("orders_id_seq"), primary_key=True))
