"""Audit notes: the constraint, comment, default, rename and data operations we render.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_notes",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("log_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("written", sa.DateTime(), server_default=sa.text("SYSDATE"), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["audit_log.id"], name="fk_audit_notes_log", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_notes"),
        comment="what reviewers wrote about an audit entry",
    )
    op.create_index("ix_audit_notes_log_id", "audit_notes", ["log_id"])
    op.add_column("audit_log", sa.Column("role_id", sa.Integer(), nullable=True, comment="role acted as"))
    op.create_foreign_key(
        "fk_audit_log_role", "audit_log", "auth_role", ["role_id"], ["id"], ondelete="SET NULL"
    )
    op.create_index("ix_audit_log_role_id", "audit_log", ["role_id"])
    op.create_unique_constraint("uq_audit_log_event_happened", "audit_log", ["event", "happened"])
    op.create_check_constraint("ck_audit_log_event", "audit_log", sa.text("LENGTH(event) > 0"))
    op.alter_column("audit_log", "flagged", server_default=sa.text("0"), existing_type=sa.Boolean())
    op.execute("UPDATE audit_log SET flagged = 0 WHERE flagged IS NULL")
    op.alter_column("audit_log", "flagged", nullable=False, existing_type=sa.Boolean())
    op.create_table_comment("audit_log", "who did what, and when")
    op.bulk_insert(
        sa.table(
            "auth_role",
            sa.column("id", sa.Integer),
            sa.column("name", sa.String),
            sa.column("description", sa.String),
        ),
        [{"id": 100, "name": "reviewer", "description": "O'Brien & co; they read"}],
    )
    op.rename_table("audit_notes", "audit_note")


def downgrade():
    op.rename_table("audit_note", "audit_notes")
    op.execute("DELETE FROM auth_role WHERE id = 100")
    op.drop_table_comment("audit_log", existing_comment="who did what, and when")
    op.alter_column("audit_log", "flagged", nullable=True, existing_type=sa.Boolean())
    op.alter_column("audit_log", "flagged", server_default=None, existing_type=sa.Boolean())
    op.drop_constraint("ck_audit_log_event", "audit_log", type_="check")
    op.drop_constraint("uq_audit_log_event_happened", "audit_log", type_="unique")
    op.drop_index("ix_audit_log_role_id", table_name="audit_log")
    op.drop_constraint("fk_audit_log_role", "audit_log", type_="foreignkey")
    op.drop_column("audit_log", "role_id")
    op.drop_index("ix_audit_notes_log_id", table_name="audit_notes")
    op.drop_table("audit_notes")
