"""Index auth_roles_users.role_id: without it Oracle locks the whole link table while a role is deleted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 07:10:00

The primary key (user_id, role_id) serves lookups by user; a parent key delete or update on
auth_role must find the child rows by role_id, and with no index Oracle takes a table lock on
auth_roles_users for the length of that statement (Oracle Database Concepts, "Locks and Foreign
Keys"). `db lint` flagged it (foreign-key-without-index). The name is the one the models' naming
convention gives the index, so `db check` sees no drift.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_auth_roles_users_role_id", "auth_roles_users", ["role_id"])


def downgrade():
    op.drop_index("ix_auth_roles_users_role_id", table_name="auth_roles_users")
