"""raw Oracle MODIFY of a type: the chain says what the column was (NUMBER(10,2)), so the narrowing is
judged exactly; the downgrade widening it back is no finding"""

from alembic import op

revision = "c12"
down_revision = "0001"
EXPECTED = [
    ("narrowing-type", "upgrade", "users", "amount"),
    ("raw-ddl", "downgrade", "users", None),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("ALTER TABLE users MODIFY (amount NUMBER(8,2))")


def downgrade():
    op.execute("ALTER TABLE users MODIFY (amount NUMBER(10,2))")
