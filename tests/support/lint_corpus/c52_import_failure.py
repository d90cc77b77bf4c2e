"""a revision importing an application module that is not installed"""

from alembic import op
from myapp.models import Base  # noqa: F401 - the application is not installed here

revision = "c52"
down_revision = "0001"

EXPECTED = [
    ("not-analysable", "module", None, None),
]


def upgrade():
    from myapp.models import User  # noqa: F401 - never reached

    op.drop_table("orders")


def downgrade():
    pass
