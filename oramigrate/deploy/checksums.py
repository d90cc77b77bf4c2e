"""Checksums of what a revision runs, and what differs between the history and the files on disk.

The checksum is of the module's syntax tree without docstrings (comments are not in it), so
``ruff format`` or an added comment is not an edit. It is three parts, so ``db verify`` can say
what changed: ``ast:`` + 20 hex digits of ``upgrade()``, 20 of ``downgrade()``, 20 of the rest of the
module (imports, identifiers, helpers), 64 characters like the old kind: the sha256 of the file's
bytes, still recorded in older histories and still compared as such.

A string's ``u`` prefix (which ``ruff format`` and Black drop) is not in it either. Rows recorded
before that was so kept the prefix in their digests: a file is compared both ways, and matches if
either does, so those rows still match their unchanged files.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from ..errors import MigrationError
from ..revisions import applied as lineage
from ..revisions import find
from . import history
from .tables import DeployTables

AST_KIND = "ast:"
PART = 20
PARTS = ("upgrade()", "downgrade()", "the rest of the module")
# checksums computed in this process, by (path, modification time, size)
_CHECKSUMS: dict[tuple[str, int, int], str] = {}


class RevisionsChanged(MigrationError):
    """Applied revisions were edited or removed, or applied outside this tool."""

    def __init__(self, findings: Findings) -> None:
        super().__init__(
            f"{findings.summary()}; refusing to upgrade (check the files, or pass --allow-edited"
            " to accept them, which the history records)"
        )
        self.findings = findings


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    # a docstring is not code: a body that was only one keeps a ``pass`` in its place
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        if isinstance(first.value.value, str):
            return body[1:] or [ast.Pass()]
    return body


_DOCUMENTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _canonical(node: object, out: list[str], prefixes: bool = False) -> None:
    # like ast.dump without positions, but leaving out None and empty fields, so that a field a newer
    # Python adds (type_params in 3.12) does not turn every revision into an "edited" one; docstrings
    # are left out on the way (one walk of the tree, not two); ``prefixes``: a string's ``u`` prefix
    # (Constant.kind) kept, as in rows recorded before it was left out
    append, AST, documented = out.append, ast.AST, _DOCUMENTED  # locals: this walks every node
    constant = ast.Constant

    def walk(node: object) -> None:
        if isinstance(node, AST):
            append(type(node).__name__)
            has_docstring = isinstance(node, documented)
            for name in node._fields:
                value = getattr(node, name, None)
                if value is None or (type(value) is list and not value):
                    continue
                if name == "kind" and not prefixes and type(node) is constant:
                    continue
                if has_docstring and name == "body":
                    value = _without_docstring(value)
                append(name)
                walk(value)
            append(")")
        elif type(node) is list:
            append("[")
            for item in node:
                walk(item)
            append("]")
        else:
            append(repr(node))

    walk(node)


def _digest(nodes: Iterable[ast.AST], prefixes: bool) -> str:
    out: list[str] = []
    for node in nodes:
        _canonical(node, out, prefixes)
    return hashlib.sha256("\x00".join(out).encode()).hexdigest()[:PART]


def source_checksum(source: bytes, *, prefixes: bool = False) -> str:
    """The checksum of a revision module's source (bytes' sha256 if it does not parse); ``prefixes``:
    the digests of rows recorded before string prefixes were left out."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return hashlib.sha256(source).hexdigest()
    functions: dict[str, list[ast.AST]] = {"upgrade": [], "downgrade": []}
    rest: list[ast.AST] = []
    for node in _without_docstring(tree.body):
        name = getattr(node, "name", None)
        (functions[name] if name in functions else rest).append(node)
    parts = (functions["upgrade"], functions["downgrade"], rest)
    return AST_KIND + "".join(_digest(part, prefixes) for part in parts)


def checksum(script: Script) -> str:
    """The checksum of a revision file as it is now (computed once per process while the file stays
    the same: ``db fleet`` asks for each revision once per target)."""
    path = Path(script.path)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    found = _CHECKSUMS.get(key)
    if found is None:
        found = _CHECKSUMS[key] = source_checksum(path.read_bytes())
    return found


def changed_parts(recorded: str, script: Script) -> list[str] | None:
    """What differs from the recorded checksum: [] if nothing, None if the old kind cannot say."""
    source = Path(script.path).read_bytes()
    if not recorded.startswith(AST_KIND):
        return [] if hashlib.sha256(source).hexdigest() == recorded else None
    now = source_checksum(source)
    if now == recorded:
        return []
    if not now.startswith(AST_KIND):
        return ["the file no longer parses"]
    ways = [now, source_checksum(source, prefixes=True)]  # and as rows recorded with string prefixes

    def differs(number: int) -> bool:
        part = slice(len(AST_KIND) + number * PART, len(AST_KIND) + (number + 1) * PART)
        return all(recorded[part] != way[part] for way in ways)

    return [part for number, part in enumerate(PARTS) if differs(number)]


@dataclass
class Findings:
    """Each applied revision whose file was edited or is missing, and each applied one the history lacks."""

    edited: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    changes: dict[str, list[str] | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.edited or self.missing or self.unknown)

    def lines(self) -> list[str]:
        """One line per finding, for people."""
        found = []
        for revision, path in self.edited:
            parts = self.changes.get(revision)
            what = (
                "the file changed (recorded with the old whole-file checksum, which cannot say where)"
                if parts is None
                else " and ".join(parts) + " changed"
            )
            found.append(f"edited: {revision} ({path}) changed since it was applied: {what}")
        found += [f"missing: {revision} was applied but its file is gone" for revision in self.missing]
        found += [f"unknown: {revision} is applied but has no history row" for revision in self.unknown]
        return found

    def summary(self) -> str:
        """All findings on one line."""
        return "; ".join(self.lines())


def verify(
    connection: Connection, names: DeployTables, scripts: ScriptDirectory, heads: Iterable[str]
) -> Findings:
    """Compare the history and the database's revisions with the files on disk."""
    findings = Findings()
    applied = history.applied_checksums(connection, names)
    heads = tuple(heads)
    try:
        in_database = {script.revision: script for script in lineage(scripts, heads)}
    except CommandError:
        # the database names a revision no file defines: report the heads that are not on disk
        in_database = {}
        findings.missing += [head for head in heads if head in applied and find(scripts, head) is None]
        findings.unknown += [head for head in heads if head not in applied and find(scripts, head) is None]
    for revision, recorded in applied.items():
        script = in_database.get(revision) or find(scripts, revision)
        if script is None:
            if revision not in findings.missing:
                findings.missing.append(revision)
        elif recorded is not None:
            parts = changed_parts(recorded, script)
            if parts != []:
                findings.edited.append((revision, script.path))
                findings.changes[revision] = parts
    findings.unknown += [revision for revision in in_database if revision not in applied]
    return findings
