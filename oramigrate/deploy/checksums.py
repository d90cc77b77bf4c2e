"""Checksums of revision files, and what differs between the history and the files on disk."""

from __future__ import annotations

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


class RevisionsChanged(MigrationError):
    """Applied revisions were edited or removed, or applied outside this tool."""

    def __init__(self, findings: Findings) -> None:
        super().__init__(
            f"{findings.summary()}; refusing to upgrade (check the files, or pass --allow-edited"
            " to accept them, which the history records)"
        )
        self.findings = findings


def checksum(script: Script) -> str:
    """sha256 of the revision file's bytes."""
    return hashlib.sha256(Path(script.path).read_bytes()).hexdigest()


@dataclass
class Findings:
    """Each applied revision whose file was edited or is missing, and each applied one the history lacks."""

    edited: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.edited or self.missing or self.unknown)

    def lines(self) -> list[str]:
        """One line per finding, for people."""
        found = [
            f"edited: {revision} ({path}) changed since it was applied" for revision, path in self.edited
        ]
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
        elif recorded is not None and checksum(script) != recorded:
            findings.edited.append((revision, script.path))
    findings.unknown += [revision for revision in in_database if revision not in applied]
    return findings
