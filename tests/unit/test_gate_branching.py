"""Which revisions the gate records again for the live database's dialect: those that may branch on it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from oramigrate.deploy.gate import _may_branch

HEAD = '"""A revision."""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'


def _script(tmp_path: Path, body: str) -> Any:
    path = tmp_path / "r.py"
    path.write_text(HEAD + body, encoding="utf-8")
    return SimpleNamespace(path=str(path))


@pytest.mark.parametrize(
    "body",
    [
        'def upgrade():\n    if op.get_bind().dialect.name == "mysql":\n        op.drop_column("t", "c")\n',
        'def upgrade():\n    if op.get_context().dialect.name != "oracle":\n        op.drop_table("t")\n',
        "from sqlalchemy.dialects import postgresql\n\ndef upgrade():\n    pass\n",
        'def upgrade():\n    conn = op.get_bind()\n    conn.execute(sa.text("DELETE FROM t"))\n',
        "from migrations.helpers import on_postgres\n\ndef upgrade():\n    on_postgres(op)\n",
        "import helpers\n\ndef upgrade():\n    helpers.drop_old(op)\n",
        'def upgrade():\n    if context.is_offline_mode():\n        op.drop_table("t")\n',
    ],
)
def test_a_revision_that_may_branch_is_recorded_again(tmp_path: Path, body: str) -> None:
    assert _may_branch(_script(tmp_path, body)) is True


@pytest.mark.parametrize(
    "body",
    [
        'def upgrade():\n    op.add_column("t", sa.Column("c", sa.String(50)))\n',
        'from typing import Sequence\n\ndef upgrade():\n    op.drop_column("t", "c")\n',
    ],
)
def test_a_revision_that_names_no_dialect_is_judged_once(tmp_path: Path, body: str) -> None:
    assert _may_branch(_script(tmp_path, body)) is False


def test_a_revision_that_cannot_be_read_is_recorded_again(tmp_path: Path) -> None:
    assert _may_branch(SimpleNamespace(path=str(tmp_path / "gone.py"))) is True  # type: ignore[arg-type]


def test_a_revision_is_recorded_for_the_live_dialect_once_until_its_file_changes(tmp_path: Path) -> None:
    # db fleet upgrades many databases of one chain: each branching revision is recorded once per process
    from support.lint_cases import case_directory

    from oramigrate.deploy import gate
    from oramigrate.lint.runner import load_scripts

    body = 'if op.get_bind().dialect.name == "postgresql":\n        op.drop_column("users", "name")'
    scripts = load_scripts(case_directory(tmp_path, body))
    script = scripts.get_revision("0002")
    assert script is not None
    first = gate._live_findings(scripts, [script], "postgresql", None)
    assert [f.code for f in first] == ["drop-column", "missing-downgrade"]
    key = next(key for key in gate._LIVE if key[2][0] == script.path)
    gate._LIVE[key] = []  # a second run reads what the first recorded
    assert gate._live_findings(scripts, [script], "postgresql", None) == []
    Path(script.path).write_text(
        Path(script.path).read_text() + "\n# edited\n"
    )  # size changes: recorded again
    again = gate._live_findings(scripts, [script], "postgresql", None)
    assert [f.code for f in again] == ["drop-column", "missing-downgrade"]
