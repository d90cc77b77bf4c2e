"""raw MODIFY of a column no revision of the chain typed (its table was made outside the migrations):
one narrowing-type saying the type before cannot be known; the downgrade widening from the type the
upgrade set is no finding"""

from alembic import op

revision = "c63"
down_revision = "0001"
EXPECTED = [
    ("narrowing-type", "upgrade", "legacy_accounts", "balance"),
    ("raw-ddl", "downgrade", "legacy_accounts", None),
    ("raw-ddl", "upgrade", "legacy_accounts", None),
]


def upgrade():
    op.execute("ALTER TABLE legacy_accounts MODIFY (balance NUMBER(8,2))")


def downgrade():
    op.execute("ALTER TABLE legacy_accounts MODIFY (balance NUMBER(12,2))")
