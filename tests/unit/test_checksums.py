"""Checksums of what a revision runs: formatting, comments and docstrings are not edits; code is."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from oramigrate.deploy.checksums import AST_KIND, PART, changed_parts, source_checksum

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


def test_the_canonical_form_of_an_unchanged_file_never_changes() -> None:
    # recorded in existing histories: a new version of the tool must compute exactly this
    assert source_checksum(REVISION) == "ast:b9949135517de0f8cce18966e142c520154c5e25251e7382696ea06bfcbb"


HELPER_REVISION = b'''"""Rename a column, with a helper."""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

revision = "0014"
down_revision = "0013"


def _column(name, length=20):
    return sa.Column(name, sa.String(length))


def upgrade():
    op.add_column("t", _column("d"))
    op.execute("UPDATE t SET d = 'x' WHERE d IS NULL")


def downgrade():
    """Undo it."""
    op.execute("UPDATE t SET c = d")
    op.drop_column("t", "d")
'''

# what a user does to an applied file that does not change what runs
NOT_EDITS = {
    "a docstring added to upgrade()": (b"def upgrade():\n", b'def upgrade():\n    """Add d."""\n'),
    "downgrade()'s docstring removed": (b'    """Undo it."""\n', b""),
    "downgrade()'s docstring changed": (b'"""Undo it."""', b"'''Undo it, reviewed.'''"),
    "the module docstring removed": (b'"""Rename a column, with a helper."""\n', b""),
    "blank lines": (b"\n\ndef upgrade", b"\n\n\n\n\ndef upgrade"),
    "comments": (b'    op.drop_column("t", "d")', b'    # gone\n    op.drop_column("t", "d")  # at last'),
    "quote style": (b'op.add_column("t", _column("d"))', b"op.add_column('t', _column('d'))"),
    "a trailing comma": (b'_column("d"))', b'_column("d"),)'),
    "parenthesised line breaks": (
        b'op.drop_column("t", "d")',
        b'op.drop_column(\n        "t",\n        "d",\n    )',
    ),
    "a hex literal of the same value": (b"length=20", b"length=0x14"),
}

# ... and what does: (the edit, the part named)
EDITS = {
    "a changed literal": (b"d = 'x'", b"d = 'y'", "upgrade()"),
    "a changed column type": (b"sa.String(length)", b"sa.Text()", "the rest of the module"),
    "an added op": (
        b'    op.drop_column("t", "d")',
        b'    op.drop_column("t", "d")\n    op.drop_column("t", "e")',
        "downgrade()",
    ),
    "a reordered op": (
        b'    op.execute("UPDATE t SET c = d")\n    op.drop_column("t", "d")',
        b'    op.drop_column("t", "d")\n    op.execute("UPDATE t SET c = d")',
        "downgrade()",
    ),
    "a changed default argument": (b"length=20", b"length=30", "the rest of the module"),
    "a changed import alias": (b"postgresql as pg", b"mysql as pg", "the rest of the module"),
    "a changed helper": (
        b"return sa.Column(name,",
        b"return sa.Column(name.upper(),",
        "the rest of the module",
    ),
    # decided: it changes when annotations are evaluated (at import, or never)
    "from __future__ import annotations": (
        b"from alembic",
        b"from __future__ import annotations\nfrom alembic",
        "the rest of the module",
    ),
}


def _changed(edited: bytes) -> list[str]:
    from oramigrate.deploy.checksums import PARTS

    old, new = _parts(HELPER_REVISION), _parts(edited)
    return [part for part, a, b in zip(PARTS, old, new, strict=True) if a != b]


@pytest.mark.parametrize("what", list(NOT_EDITS))
def test_what_does_not_change_what_runs_is_not_an_edit(what: str) -> None:
    old, new = NOT_EDITS[what]
    assert HELPER_REVISION.count(old) == 1
    assert _changed(HELPER_REVISION.replace(old, new)) == []


@pytest.mark.parametrize("what", list(EDITS))
def test_what_changes_what_runs_is_an_edit_named_by_part(what: str) -> None:
    old, new, part = EDITS[what]
    assert HELPER_REVISION.count(old) == 1
    assert _changed(HELPER_REVISION.replace(old, new)) == [part]


PREFIXED = REVISION.replace(b'sa.Column("c", sa.String(20))', b'sa.Column(u"c", sa.String(20))')


def _script(tmp_path: Path, source: bytes) -> Any:
    path = tmp_path / "0013_prefixed.py"
    path.write_bytes(source)
    return SimpleNamespace(path=str(path))


def test_a_dropped_u_prefix_is_not_an_edit(tmp_path: Path) -> None:
    # ruff format and Black drop it; a row recorded now matches the reformatted file
    # the two files differ by the prefix alone (else this would compare a file with itself)
    assert (PREFIXED.count(b'u"c"'), REVISION.count(b'u"')) == (1, 0)
    recorded = source_checksum(PREFIXED)
    assert recorded == source_checksum(REVISION)
    assert changed_parts(recorded, _script(tmp_path, REVISION)) == []


def test_rows_recorded_with_the_u_prefix_still_match_their_unchanged_files(tmp_path: Path) -> None:
    # what versions before the prefix was left out recorded for this file
    older = "ast:2d7b9f5221cd8bd225d48966e142c520154c5e25251e7382696ea06bfcbb"
    assert source_checksum(PREFIXED, prefixes=True) == older
    assert changed_parts(older, _script(tmp_path, PREFIXED)) == []
    # a real edit is still named, by its part
    edited = PREFIXED.replace(b"sa.String(20)", b"sa.String(30)")
    assert changed_parts(older, _script(tmp_path, edited)) == ["upgrade()"]
