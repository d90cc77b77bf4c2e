"""Users and roles: their sequences first, then the tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 08:00:00

Hand-audited. Every key draws from a named sequence created here (Oracle 11g has no identity
columns), and every constraint carries the name the models' naming convention gives it, so a
later revision can drop it by name on any database. Keys say autoincrement=False: they draw
from the sequences (SQLAlchemy calls NEXTVAL), so PostgreSQL must not add a SERIAL of its own and
MariaDB no AUTO_INCREMENT.
"""

from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_sequence("auth_role_id_seq", start=1, increment=1)
    op.create_sequence("auth_user_id_seq", start=1, increment=1)
    op.create_table(
        "auth_role",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_auth_role"),
        sa.UniqueConstraint("name", name="uq_auth_role_name"),
    )
    op.create_table(
        "auth_user",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("password", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("fs_uniquifier", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_auth_user"),
        sa.UniqueConstraint("email", name="uq_auth_user_email"),
        sa.UniqueConstraint("fs_uniquifier", name="uq_auth_user_fs_uniquifier"),
    )
    op.create_table(
        "auth_roles_users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["auth_user.id"], name="fk_auth_roles_users_user_59c3", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["auth_role.id"], name="fk_auth_roles_users_role_daca", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name="pk_auth_roles_users"),
    )


def downgrade():
    op.drop_table("auth_roles_users")
    op.drop_table("auth_user")
    op.drop_table("auth_role")
    op.drop_sequence("auth_user_id_seq", start=1, increment=1)
    op.drop_sequence("auth_role_id_seq", start=1, increment=1)
