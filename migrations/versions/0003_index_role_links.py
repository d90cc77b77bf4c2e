"""Index auth_roles_users.role_id: without it Oracle locks the whole link table while a role is deleted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 07:10:00

The primary key (user_id, role_id) serves lookups by user; a parent key delete or update on
auth_role must find the child rows by role_id, and with no index Oracle takes a table lock on
auth_roles_users for the length of that statement (Oracle Database Concepts, "Locks and Foreign
Keys"). `db lint` flagged it (foreign-key-without-index). The name is the one the models' naming
convention gives the index, so `db check` sees no drift.

MariaDB and MySQL: InnoDB made an index for the foreign key by itself in 0001 (named after the key)
and drops it silently once ours serves the key; it then refuses to drop ours while the key needs it
(error 1553). The downgrade there drops the key, our index, and adds the key again, so InnoDB makes
its own index as in 0001, and the next upgrade finds the schema exactly as 0001 left it.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# the foreign key of 0001 whose index this is
ROLE_KEY = "fk_auth_roles_users_role_daca"


def upgrade():
    op.create_index("ix_auth_roles_users_role_id", "auth_roles_users", ["role_id"])


def downgrade():
    if op.get_context().dialect.name not in ("mysql", "mariadb"):
        op.drop_index("ix_auth_roles_users_role_id", table_name="auth_roles_users")
        return
    op.drop_constraint(ROLE_KEY, "auth_roles_users", type_="foreignkey")
    op.drop_index("ix_auth_roles_users_role_id", table_name="auth_roles_users")
    op.create_foreign_key(ROLE_KEY, "auth_roles_users", "auth_role", ["role_id"], ["id"], ondelete="CASCADE")
