"""twin: a lookup table created and filled by the upgrade; the downgrade drops it, rows and all"""

import sqlalchemy as sa
from alembic import op

revision = "c68"
down_revision = "0001"
EXPECTED = []


def upgrade():
    status = op.create_table(
        "order_status",
        sa.Column("id", sa.Integer(), sa.Sequence("order_status_id_seq"), primary_key=True),
        sa.Column("label", sa.String(20), nullable=False),
    )
    op.bulk_insert(status, [{"id": 1, "label": "open"}, {"id": 2, "label": "closed"}])


def downgrade():
    op.drop_table("order_status")
