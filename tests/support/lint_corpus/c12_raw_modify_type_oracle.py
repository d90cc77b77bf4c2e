"""raw Oracle MODIFY of a type: narrowing with the old type unknown"""

from alembic import op

revision = "c12"
down_revision = "0001"
EXPECTED = [
    ("narrowing-type", "downgrade", "users", "amount"),
    ("narrowing-type", "upgrade", "users", "amount"),
    ("raw-ddl", "downgrade", "users", None),
    ("raw-ddl", "upgrade", "users", None),
]


def upgrade():
    op.execute("ALTER TABLE users MODIFY (amount NUMBER(8,2))")


def downgrade():
    op.execute("ALTER TABLE users MODIFY (amount NUMBER(10,2))")
