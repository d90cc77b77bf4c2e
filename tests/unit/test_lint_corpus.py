"""The repro corpus (tests/support/lint_corpus): each one-revision file gives exactly its findings.

Each file is revision cNN on top of the base revision 0001 (users, orders); its ``EXPECTED`` lists
(code, phase, table, column) and ``TARGET`` names the database it is judged for (Oracle 11.2 unless
said). Both are read from the file's AST, so a file that cannot be imported declares them too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.lint_cases import BASE_DOWNGRADE, BASE_UPGRADE, write_revision
from support.lint_corpus import FILES, declared, target_of

from oramigrate.lint import lint_directory


def corpus_directory(tmp_path: Path, *files: Path) -> Path:
    """A migration directory: base revision 0001, then the corpus files given."""
    directory = tmp_path / "migrations"
    write_revision(directory, "0001", None, BASE_UPGRADE, BASE_DOWNGRADE)
    for path in files:
        shutil.copy(path, directory / "versions" / path.name)
    return directory


def findings_of(tmp_path: Path, path: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(code, phase, table, column) of every finding the corpus file's revision gets."""
    revision = declared(path, "revision", None)
    report = lint_directory(corpus_directory(tmp_path, path), [revision], target_of(path))
    assert {f.revision for f in report.findings} <= {revision}
    return sorted((f.code, f.phase, f.table, f.column) for f in report.findings)


DESTRUCTIVE = {"drop-table", "drop-column", "drop-recreate-column", "rename-as-drop-add", "truncate-table"}


def test_corpus_is_large_and_pairs_catches_with_twins() -> None:
    assert len(FILES) >= 40
    twins = [path for path in FILES if path.read_text().startswith('"""twin')]
    assert len(twins) >= 15
    for path in twins:  # a must-not-flag twin is never called destructive
        assert not {code for code, *_ in declared(path, "EXPECTED", [])} & DESTRUCTIVE, path.name


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_repro_gives_exactly_its_findings(tmp_path: Path, path: Path) -> None:
    expected = sorted(tuple(item) for item in declared(path, "EXPECTED", []))
    assert findings_of(tmp_path, path) == expected
