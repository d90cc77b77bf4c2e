"""Audit columns: index, a column with a default, a type change, a rename, a drop.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_log_user_id", "audit_log", ["user_id"])
    op.add_column(
        "audit_log", sa.Column("happened", sa.DateTime(), server_default=sa.text("SYSDATE"), nullable=False)
    )
    op.add_column("audit_log", sa.Column("flagged", sa.Boolean(), nullable=True))
    op.alter_column("audit_log", "action", type_=sa.String(length=80), existing_type=sa.String(length=40))
    op.alter_column("audit_log", "action", new_column_name="event", existing_type=sa.String(length=80))
    op.drop_column("auth_user", "confirmed_at")


def downgrade():
    op.add_column("auth_user", sa.Column("confirmed_at", sa.DateTime(), nullable=True))
    op.alter_column("audit_log", "event", new_column_name="action", existing_type=sa.String(length=80))
    op.alter_column("audit_log", "action", type_=sa.String(length=40), existing_type=sa.String(length=80))
    op.drop_column("audit_log", "flagged")
    op.drop_column("audit_log", "happened")
    op.drop_index("ix_audit_log_user_id", table_name="audit_log")
