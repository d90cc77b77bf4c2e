"""accounts.email (default bind), events.kind (audit bind)

Revision ID: m002
Revises: m001
Create Date: 2026-11-28 09:01:00

"""

import sqlalchemy as sa
from alembic import op

revision = "m002"
down_revision = "m001"
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name):
    globals()[f"downgrade_{engine_name}"]()


def upgrade_():
    op.add_column("accounts", sa.Column("email", sa.String(length=200), nullable=True))


def downgrade_():
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("email")


def upgrade_audit():
    op.add_column("events", sa.Column("kind", sa.String(length=20), nullable=True))


def downgrade_audit():
    with op.batch_alter_table("events") as batch:
        batch.drop_column("kind")
