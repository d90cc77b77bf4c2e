"""Failed sign-ins per account, and a settings table that takes over the salt fingerprint's reserved role.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 09:00:00

Hand-audited. auth_user.failed_logins counts consecutive failed sign-ins and last_failed_login_at
says when the last one was: the lock-out (webapp/lockout.py) holds across every process serving
the application and across restarts, which Flask-Limiter's in-memory counters do not. The count
is NOT NULL with a server default of 0, so existing rows get it in the ALTER itself (Oracle 11g and
later, PostgreSQL 11 and later and MariaDB 10.3 and later add such a column without rewriting rows).

app_setting holds named values the application keeps beside its data. Its first is the
fingerprint of SECURITY_PASSWORD_SALT, until now the description of the reserved role
'_password_salt' (no settings table existed): the upgrade moves it and deletes the role, the
downgrade puts the role back with its key drawn from auth_role_id_seq, as 0001's keys are.
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None
lint_allow = {
    "several-ddl-non-transactional": (
        "two ADD COLUMNs on auth_user and a new table; `db upgrade` journals each statement on Oracle "
        "and MariaDB and resumes after the last one that committed"
    ),
}

SALT_ROLE = "_password_salt"
SALT_SETTING = "password_salt_fingerprint"
# how the reserved role's description began; the fingerprint follows it
SALT_PREFIX = "fingerprint of SECURITY_PASSWORD_SALT: "

role = sa.table(
    "auth_role",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String(80)),
    sa.column("description", sa.String(255)),
)
setting = sa.table("app_setting", sa.column("name", sa.String(100)), sa.column("value", sa.String(255)))


def upgrade():
    op.add_column(
        "auth_user", sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column("auth_user", sa.Column("last_failed_login_at", sa.DateTime(), nullable=True))
    op.create_table(
        "app_setting",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_app_setting"),
    )
    fingerprint = sa.func.substr(role.c.description, len(SALT_PREFIX) + 1)
    op.execute(
        setting.insert().from_select(
            ["name", "value"],
            sa.select(sa.literal(SALT_SETTING, sa.String(100)), fingerprint).where(
                role.c.name == op.inline_literal(SALT_ROLE)
            ),
        )
    )
    # nobody holds the role (no user could be given it); the link rows' foreign key cascades anyway
    op.execute(role.delete().where(role.c.name == op.inline_literal(SALT_ROLE)))


def downgrade():
    described = sa.literal(SALT_PREFIX, sa.String(255)) + setting.c.value
    columns, values = ["name", "description"], [sa.literal(SALT_ROLE, sa.String(80)), described]
    if op.get_context().dialect.name != "sqlite":  # SQLite numbers the row itself
        columns, values = ["id", *columns], [sa.Sequence("auth_role_id_seq").next_value(), *values]
    op.execute(
        role.insert().from_select(
            columns, sa.select(*values).where(setting.c.name == op.inline_literal(SALT_SETTING))
        )
    )
    op.drop_table("app_setting")
    op.drop_column("auth_user", "last_failed_login_at")
    op.drop_column("auth_user", "failed_logins")
