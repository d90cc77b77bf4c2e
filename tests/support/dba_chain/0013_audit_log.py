"""Audit log: raw SQL as people write it, sequence options, ON DELETE SET NULL.

Revision ID: 0013
Revises: the project's head
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "PROJECT_HEAD"
branch_labels = None
depends_on = None


def upgrade():
    op.create_sequence("audit_log_id_seq", cache=0, order=True)
    op.create_sequence("audit_batch_seq", start=100, increment=10, maxvalue=999999, cycle=True, cache=50)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["auth_user.id"], name="fk_audit_log_user", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.execute(
        """
        UPDATE auth_role
           SET description = 'Sales & Marketing'

         WHERE name = 'sales';
        """
    )
    op.execute(
        "INSERT INTO auth_role (id, name) VALUES (auth_role_id_seq.NEXTVAL, 'auditor');\n"
        "UPDATE auth_role SET description = 'reads the audit log' WHERE name = 'auditor';"
    )
    op.execute(
        """
BEGIN
  UPDATE auth_user SET last_name = 'unknown' WHERE last_name IS NULL;

  DELETE FROM audit_log WHERE user_id IS NULL;
END;
/
"""
    )


def downgrade():
    op.execute("DELETE FROM auth_role WHERE name = 'auditor';")
    op.drop_table("audit_log")
    op.drop_sequence("audit_batch_seq", start=100, increment=10, maxvalue=999999, cycle=True, cache=50)
    op.drop_sequence("audit_log_id_seq", cache=0, order=True)
