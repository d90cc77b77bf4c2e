"""What notes/ and the README cite as the test of a guarantee exists: a test moved or renamed takes
its citation with it, so a stated guarantee never points at nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.databases import ROOT

DOCUMENTS = [*sorted((ROOT / "notes").glob("*.md")), ROOT / "README.md"]
TESTS = ROOT / "tests"
# a path under tests/, optionally ::a_test; "alembic tests/..." cites Alembic's own suite
PATH = re.compile(r"(?<!alembic )\btests/([\w/]+\.py)(?:::(\w+))?")
# a test module or a test named alone, in backquotes
NAMED = re.compile(r"`(test_\w+?)(\.py)?(?:::(\w+))?`")


def _defined() -> set[str]:
    names = set()
    for path in TESTS.rglob("test_*.py"):
        names.update(re.findall(r"^\s*(?:async )?def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    return names


def _defines(path: Path, name: str) -> bool:
    return re.search(rf"^\s*(?:async )?def {name}\b", path.read_text(encoding="utf-8"), re.M) is not None


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_cited_test_exists(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    modules = {path.name: path for path in TESTS.rglob("test_*.py")}
    defined = _defined()
    missing = []
    for relative, name in PATH.findall(text):
        path = TESTS / relative
        if not path.is_file():
            missing.append(f"tests/{relative}")
        elif name and not _defines(path, name):
            missing.append(f"tests/{relative}::{name}")
    for name, suffix, inner in NAMED.findall(text):
        if suffix or inner:
            module = modules.get(f"{name}.py")
            if module is None:
                missing.append(f"{name}.py")
            elif inner and not _defines(module, inner):
                missing.append(f"{name}.py::{inner}")
        elif name not in defined and f"{name}.py" not in modules:
            missing.append(name)
    assert missing == []


def test_a_moved_test_is_caught() -> None:
    # the patterns see the citations this check exists for (a path, a path::test, a bare test name)
    text = (
        "`tests/test_models.py`, `tests/unit/test_models.py::test_x`, alembic tests/test_oracle.py, `test_y`"
    )
    assert PATH.findall(text) == [("test_models.py", ""), ("unit/test_models.py", "test_x")]
    assert NAMED.findall(text) == [("test_y", "", "")]
