"""PL/SQL is not parsed, but the SQL it runs by EXECUTE IMMEDIATE is"""

import sqlalchemy as sa
from alembic import op

revision = "c46"
down_revision = "0001"
EXPECTED = [
    ("drop-table", "upgrade", "orders", None),
    ("raw-ddl", "upgrade", "orders", None),
    ("unparsed-sql", "upgrade", None, None),
]


def upgrade():
    op.execute("BEGIN EXECUTE IMMEDIATE 'DROP TABLE orders'; EXCEPTION WHEN OTHERS THEN NULL; END;")


def downgrade():
    op.create_table("orders", sa.Column("id", sa.Integer(), sa.Sequence("orders_id_seq"), primary_key=True))
