"""Writes the ``--sql`` script around Alembic's statements: header, guard, a block per revision, footer.

Alembic renders each operation; the writer decides what surrounds it and how it ends: raw SQL split
and checked as SQL*Plus will read it, the version table left to the guard, a prompt and a history
row per revision, a COMMIT with each version update. It hooks in where Alembic lets one act
between revisions (the migration plan) and where every statement passes (``impl._exec``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext, MigrationInfo, RevisionStep
from sqlalchemy.schema import CreateTable, DDLElement
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

from ..deploy.checksums import checksum
from ..oracle import sqlplus
from ..private import migration_plan, replace_migration_plan, replace_statement_executor, statement_executor
from ..revisions import applied
from . import guard, history_rows
from .conventions import Conventions


def _first_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[0] if lines else ""


class ScriptWriter:
    """The script around one offline run: call ``install``, ``header``, run the migrations, ``footer``."""

    def __init__(self, conventions: Conventions, history: sa.Table) -> None:
        self.conventions = conventions
        self.history = history
        self._context: MigrationContext | None = None
        self._original: Callable[..., Any] | None = None
        self._step: RevisionStep | None = None
        # where the script has the database after the statements written so far (a stamp's rows
        # are the difference it makes)
        self._heads: tuple[str, ...] = ()

    @property
    def context(self) -> MigrationContext:
        """The migration context the writer was installed on."""
        assert self._context is not None, "install() first"
        return self._context

    def install(self, context: MigrationContext) -> None:
        """Route the context's statements and revision steps through this writer."""
        self._context = context
        self._original = statement_executor(context.impl)
        replace_statement_executor(context.impl, self.execute)
        planned = migration_plan(context)

        def steps(heads: Any, ctx: MigrationContext) -> Iterator[Any]:
            for step in planned(heads, ctx):
                self._before(step)
                yield step

        replace_migration_plan(context, steps)

    def _output(self, text: str) -> None:
        self.context.impl.static_output(text)

    def _emit(self, construct: Any) -> None:
        assert self._original is not None
        self._original(construct)

    def header(self) -> None:
        """Client settings, then the guard that stops unless the database is at the starting revision."""
        if self.conventions.settings:
            self._output("\n".join(self.conventions.settings))
        heads = self.context.get_current_heads()
        self._heads = tuple(heads)
        start = heads[0] if heads else None
        version = self.context.impl.version_table_impl(
            version_table=self.context.version_table,
            version_table_schema=self.context.version_table_schema,
            version_table_pk=self.context.opts.get("version_table_pk", True),
        )
        write_guard = guard.BY_DIALECT[self.conventions.dialect]
        for block in write_guard(self.context.dialect, start, version, self.history):
            self._output(block)

    def footer(self) -> None:
        """What ends the script (SQL*Plus: EXIT, so that ``sqlplus @script`` returns)."""
        for line in self.conventions.footer:
            self._output(line)

    def execute(self, construct: Any, *args: Any, **kwargs: Any) -> None:
        """Every statement of the run: the version table skipped (the guard made it), raw SQL split."""
        if isinstance(construct, CreateTable) and construct.element.name == self.context.version_table:
            return
        if self.conventions.begin and self._moves_version(construct):
            # the version update, its history row and the COMMIT after them: one transaction
            self._emit(self.conventions.begin)
        if self.conventions.slash_terminated:
            for statement in self._oracle_statements(construct):
                self._output(sqlplus.checked(statement))
                self._output("/")
            return
        if isinstance(construct, str):
            construct = construct.strip().rstrip(";").rstrip()
        self._emit(construct)

    def _moves_version(self, construct: Any) -> bool:
        """Whether ``construct`` is Alembic's INSERT, UPDATE or DELETE of the version table."""
        table = getattr(construct, "table", None) if isinstance(construct, UpdateBase) else None
        return bool(getattr(table, "name", None) == self.context.version_table)

    def _oracle_statements(self, construct: Any) -> list[sqlplus.Statement]:
        if isinstance(construct, str):
            return sqlplus.split(construct)
        compile_kwargs = {} if isinstance(construct, DDLElement) else {"literal_binds": True}
        text = str(construct.compile(dialect=self.context.dialect, compile_kwargs=compile_kwargs))
        text = text.replace("\t", "    ").strip()
        if isinstance(construct, TextClause):
            return sqlplus.split(text)
        return [sqlplus.Statement(text, sqlplus.is_plsql(text))]

    def _row(self, step: RevisionStep) -> tuple[sa.Table, Conventions, str, str]:
        direction = "upgrade" if step.is_upgrade else "downgrade"
        return self.history, self.conventions, step.revision.revision, direction

    def _before(self, step: Any) -> None:
        self._step = step if isinstance(step, RevisionStep) else None
        doc = _first_line(getattr(step, "doc", None))[:100]
        self._output(self.conventions.prompt(f"oramigrate: {step.short_log}" + (f" ({doc})" if doc else "")))
        if self._step is None or self.context.impl.transactional_ddl:
            return
        self._emit(history_rows.started(*self._row(self._step), checksum(self._step.revision)))
        self._emit("COMMIT")

    def version_applied(self, ctx: MigrationContext, step: MigrationInfo, heads: set[str], **_: Any) -> None:
        """After Alembic's version update: the history row says success (a stamp: its rows), and (no
        transactional DDL) COMMIT."""
        revision_step, transactional = self._step, self.context.impl.transactional_ddl
        if step.is_stamp:
            self._stamped(heads)
        elif revision_step is not None and transactional:
            self._emit(
                history_rows.succeeded_at_once(*self._row(revision_step), checksum(revision_step.revision))
            )
        elif revision_step is not None:
            self._emit(history_rows.succeeded(*self._row(revision_step)))
        if not transactional:
            self._emit("COMMIT")
        self._step, self._heads = None, tuple(sorted(heads))

    def _stamped(self, heads: set[str]) -> None:
        # as ``db stamp`` online (deploy.deployment.record_stamp): 'stamp' for each revision now
        # applied, base first, then 'unstamp' for each no longer applied, newest first
        scripts = self.context.script
        assert scripts is not None, "an offline run has its scripts"
        before = applied(scripts, self._heads)
        after = applied(scripts, heads)
        rows: list[tuple[str, str, str | None]] = [
            (script.revision, "stamp", checksum(script)) for script in after if script not in before
        ]
        rows += [(script.revision, "unstamp", None) for script in reversed(before) if script not in after]
        for revision, direction, digest in rows:
            self._emit(history_rows.recorded(self.history, self.conventions, revision, direction, digest))
