"""What the linter reports: rules with a code, a severity, a why and a what-instead; findings; the report."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from alembic.operations import MigrateOperation

from ..errors import MigrationError
from ..oracle.target import DEFAULT_EDITION
from .raw_sql import RawStatement

NO_ALLOW = object()  # the revision module has no ``lint_allow``

Severity = Literal["error", "warning"]
Phase = Literal["upgrade", "downgrade", "module", "chain"]


@dataclass(frozen=True)
class LintTarget:
    """The database the migrations are judged for: a dialect name and, for Oracle, its version."""

    dialect: str = "oracle"
    version: tuple[int, ...] | None = (11, 2)
    # the Oracle database has MAX_STRING_SIZE=EXTENDED (12c+): VARCHAR2 up to 32767 bytes
    extended_strings: bool = False
    # Flask-Migrate's multi-database mode: the bind whose part of each revision is judged
    # (``upgrade(engine_name)``; "" is the default bind); None for a single-database chain
    engine_name: str | None = None
    # ORACLE_EDITION: only where the edition builds an index ONLINE is ONLINE asked for (not SE2)
    oracle_edition: str = DEFAULT_EDITION

    def describe(self) -> str:
        """``oracle 11.2``, ``postgresql``, ``oracle 11.2, bind users``."""
        text = self.dialect
        if self.version is not None:
            text += f" {'.'.join(str(part) for part in self.version)}"
        if self.engine_name is not None:
            text += f", bind {self.engine_name or '(default)'}"
        return text

    def phase_arguments(self) -> dict[str, str]:
        """The arguments of a revision's ``upgrade()`` / ``downgrade()``: a multi-database chain's bind."""
        return {} if self.engine_name is None else {"engine_name": self.engine_name}


@dataclass(frozen=True)
class Step:
    """One operation a phase performed, and for SQL (``op.execute`` or the bind) its statements."""

    operation: MigrateOperation
    batch: bool = False
    statements: tuple[RawStatement, ...] = ()
    via: str = "op.execute"  # how SQL was sent: op.execute, or through op.get_bind()
    autocommit: bool = False  # inside ``op.get_context().autocommit_block()``: no transaction around it


@dataclass
class RecordedRevision:
    """What one revision does when upgraded and downgraded, and what its module declares."""

    revision: str
    path: str
    down_revision: tuple[str, ...]
    upgrade: list[Step] = field(default_factory=list)
    downgrade: list[Step] = field(default_factory=list)
    upgrade_error: str | None = None
    downgrade_error: str | None = None
    has_downgrade: bool = True
    lint_allow: Any = NO_ALLOW
    load_error: str | None = None  # the module could not be imported: nothing else is known
    offline_branches: dict[str, str] = field(default_factory=dict)  # phase -> what it asked
    stand_ins: set[str] = field(default_factory=set)  # stand-in modules the revision touched
    # (table, column) -> the type the earlier revisions of the chain left it with (None: unknown)
    earlier_type: Callable[[str, str], Any] | None = field(default=None, repr=False, compare=False)
    # what rules derive from the steps (effects per phase), computed once per revision
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Finding:
    """One thing a revision does that a person should decide about."""

    code: str
    severity: Severity
    revision: str
    message: str
    why: str
    instead: str
    phase: Phase = "upgrade"
    table: str | None = None
    column: str | None = None
    path: str | None = None
    acknowledged: bool = False
    reason: str | None = None

    def acknowledge(self, reason: str) -> Finding:
        """This finding, accepted by the revision's ``lint_allow`` for ``reason``."""
        return replace(self, acknowledged=True, reason=reason)


# rule(revision, target) -> findings; ``None`` for rules over the whole chain
RuleCheck = Callable[["RecordedRevision", LintTarget], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A lint rule: stable code, severity, why it exists (its docstring) and what to do instead."""

    code: str
    severity: Severity
    why: str
    instead: str
    check: RuleCheck | None = None

    def finding(self, revision: RecordedRevision | str, message: str, **where: str | None) -> Finding:
        """A finding of this rule on ``revision``."""
        name = revision if isinstance(revision, str) else revision.revision
        path = None if isinstance(revision, str) else revision.path
        return Finding(
            self.code,
            self.severity,
            name,
            message,
            self.why,
            self.instead,
            path=path,
            **where,  # type: ignore[arg-type]
        )


RULES: dict[str, Rule] = {}


def _why(function: Callable[..., object]) -> str:
    return " ".join((function.__doc__ or "").split())


def rule(code: str, severity: Severity, instead: str) -> Callable[[RuleCheck], RuleCheck]:
    """Register a per-revision rule; the function's docstring is the rule's why."""

    def register(check: RuleCheck) -> RuleCheck:
        RULES[code] = Rule(code, severity, _why(check), instead, check)
        return check

    return register


def found(code: str, revision: RecordedRevision | str, message: str, **where: str | None) -> Finding:
    """A finding of the rule ``code`` on ``revision``."""
    return RULES[code].finding(revision, message, **where)


def declare(code: str, severity: Severity, why: str, instead: str) -> Rule:
    """Register a rule checked outside the per-revision loop (chain, acknowledgements)."""
    RULES[code] = Rule(code, severity, why, instead)
    return RULES[code]


@dataclass
class LintReport:
    """Every finding over the revisions linted, for one target."""

    target: LintTarget
    revisions: list[str]
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # revisions whose module could not be loaded

    def unacknowledged(self, revision: str | None = None) -> list[Finding]:
        """Findings not accepted by a ``lint_allow`` (of one revision, or all)."""
        return [
            f for f in self.findings if not f.acknowledged and (revision is None or f.revision == revision)
        ]

    def errors_unacknowledged(self, revision: str | None = None) -> list[Finding]:
        """Unacknowledged errors: what ``db upgrade`` refuses to apply without ``--allow-unsafe``."""
        return [f for f in self.unacknowledged(revision) if f.severity == "error"]

    def failed(self, strict: bool = False) -> bool:
        """True when an unacknowledged error (or, ``strict``, any unacknowledged finding) remains."""
        return bool(self.unacknowledged() if strict else self.errors_unacknowledged())

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)


class LintFailed(MigrationError):
    """Lint found unacknowledged findings; the report has them."""

    def __init__(self, report: LintReport, strict: bool = False) -> None:
        blocking = report.unacknowledged() if strict else report.errors_unacknowledged()
        revisions = sorted({f.revision for f in blocking})
        super().__init__(
            f"lint: {len(blocking)} unacknowledged finding(s) in revision(s) {', '.join(revisions)}"
        )
        self.report = report


class LintInputError(MigrationError):
    """The migrations to lint cannot be found or read (bad directory, unknown revision)."""

    exit_code = 2


class OfflineRevisionFailed(MigrationError):
    """A revision cannot be written as SQL offline (``db upgrade --sql``): it reads rows, does not
    load, or does not compile for the target. ``revision`` and ``cause`` say which and why."""

    def __init__(self, revision: str, cause: str) -> None:
        super().__init__(f"revision {revision} cannot be written as SQL offline: {cause}")
        self.revision = revision
        self.cause = cause
