"""twin: a TEMPORARY table created, used and dropped in one op.execute"""

from alembic import op

revision = "c09"
down_revision = "0001"
EXPECTED = [
    ("raw-ddl", "upgrade", "tmp_ids", None),
]


def upgrade():
    op.execute(
        "CREATE GLOBAL TEMPORARY TABLE tmp_ids (id NUMBER); "
        "INSERT INTO tmp_ids SELECT id FROM users; "
        "DROP TABLE tmp_ids"
    )


def downgrade():
    pass
