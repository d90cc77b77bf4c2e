"""twin: raw Oracle MODIFY widening a column the chain typed (NUMBER(10,2) -> NUMBER(12,2)) is no
narrowing; the downgrade narrowing it back is a warning naming the rows that can make it fail"""

from alembic import op

revision = "c62"
down_revision = "0001"
EXPECTED = [
    ("narrowing-downgrade", "downgrade", "users", "amount"),
    ("raw-ddl", "downgrade", "users", None),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("ALTER TABLE users MODIFY (amount NUMBER(12,2))")


def downgrade():
    op.execute("ALTER TABLE users MODIFY (amount NUMBER(10,2))")
