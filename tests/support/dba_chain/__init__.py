"""Revisions on top of the project's chain that repro what a DBA's script must survive (issue 18).

``0013``: raw SQL as people write it (a trailing ``;``, blank lines, ``&``, several statements, a
PL/SQL block), sequence options, a foreign key with ON DELETE SET NULL; ``0014``: the other
operations we render (index, column added with a default, type change, rename, drop); ``0015``:
constraints, comments, a default set and dropped, data (bulk_insert), a table renamed.
``0013`` goes on top of the project's head, whichever revision that is (``PROJECT_HEAD`` in its file).
"""

from pathlib import Path

from alembic.script import ScriptDirectory

from support.databases import ROOT

PROJECT_HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
REVISIONS = {
    path.name: path.read_text(encoding="utf-8").replace("PROJECT_HEAD", str(PROJECT_HEAD))
    for path in Path(__file__).parent.glob("0*.py")
}
