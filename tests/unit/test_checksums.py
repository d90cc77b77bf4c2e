"""Checksums of what a revision runs: formatting, comments and docstrings are not edits; code is."""

from __future__ import annotations

import hashlib

from oramigrate.deploy.checksums import AST_KIND, PART, source_checksum

REVISION = b'''"""Add a column."""
from alembic import op
import sqlalchemy as sa

revision = "0013"


def upgrade():
    """Add it."""
    op.add_column("t", sa.Column("c", sa.String(20)))


def downgrade():
    op.drop_column("t", "c")
'''


def _parts(source: bytes) -> list[str]:
    digest = source_checksum(source)[len(AST_KIND) :]
    return [digest[i * PART : (i + 1) * PART] for i in range(3)]


def test_formatting_comments_and_docstrings_are_not_edits() -> None:
    reformatted = (
        REVISION.replace(b'"""Add it."""', b'"""Add it, reviewed."""  # why')
        .replace(b'sa.Column("c", sa.String(20))', b"sa.Column(\n        'c', sa.String(20),\n    )")
        .replace(b'"""Add a column."""', b"# a comment\n")
    )
    assert source_checksum(reformatted) == source_checksum(REVISION)
    assert len(source_checksum(REVISION)) == 64


def test_each_part_is_named_by_what_changed() -> None:
    old = _parts(REVISION)
    upgrade_changed = _parts(REVISION.replace(b"sa.String(20)", b"sa.String(30)"))
    assert [a == b for a, b in zip(old, upgrade_changed, strict=True)] == [False, True, True]
    rest_changed = _parts(REVISION.replace(b'revision = "0013"', b'revision = "0014"'))
    assert [a == b for a, b in zip(old, rest_changed, strict=True)] == [True, True, False]


def test_unparsable_source_falls_back_to_the_bytes() -> None:
    broken = b"def upgrade(:\n"
    assert source_checksum(broken) == hashlib.sha256(broken).hexdigest()
