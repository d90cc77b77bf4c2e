"""a column dropped and re-added under the same name (a retype)"""

from alembic import context, op
import sqlalchemy as sa

revision = "c16"
down_revision = "0001"
EXPECTED = [
    ('drop-column', 'upgrade', 'users', 'legacy'),
    ('drop-recreate-column', 'upgrade', 'users', 'legacy'),
    ('several-ddl-non-transactional', 'upgrade', None, None),
]


def upgrade():
    op.drop_column("users", "legacy")
    op.add_column("users", sa.Column("legacy", sa.Integer()))


def downgrade():
    op.drop_column("users", "legacy")
    op.add_column("users", sa.Column("legacy", sa.String(20)))
