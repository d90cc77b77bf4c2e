"""Application load for the live-load tests and bench: short transactions on auth_user at a fixed rate,
and a blocker (an ordinary transaction left open on the table, like a long report).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

LOOKUP = sa.text("SELECT id, email, first_name FROM auth_user WHERE id = :id")


@dataclass
class Sample:
    """One application query: when it started (monotonic), how long it took, whether it failed."""

    started: float
    seconds: float
    error: str | None = None


@dataclass
class LoadGenerator:
    """``threads`` clients, each running one short read transaction every ``1 / rate`` seconds."""

    url: str
    threads: int = 4
    rate: float = 20.0
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> LoadGenerator:
        self._engine = sa.create_engine(self.url, pool_size=self.threads, max_overflow=0)
        for number in range(self.threads):
            worker = threading.Thread(target=self._client, args=(number,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)
        self._engine.dispose()

    def _client(self, number: int) -> None:
        period = 1.0 / self.rate
        next_at = time.monotonic() + period * number / self.threads
        with self._engine.connect() as connection:
            while not self._stop.is_set():
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                start = time.monotonic()
                error = None
                try:
                    with connection.begin():
                        connection.execute(LOOKUP, {"id": number + 1}).all()
                except sa.exc.DBAPIError as exc:
                    error = str(exc.orig)
                self.samples.append(Sample(start, time.monotonic() - start, error))
                next_at = max(next_at + period, time.monotonic())

    def between(self, start: float, end: float) -> list[Sample]:
        """The queries that started in [start, end)."""
        return [s for s in list(self.samples) if start <= s.started < end]


def summary(samples: list[Sample]) -> dict[str, float]:
    """p50, p99, max latency in milliseconds, query and error counts."""
    times = sorted(s.seconds * 1000 for s in samples if s.error is None)
    if not times:
        return {"queries": len(samples), "errors": len(samples), "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return {
        "queries": len(samples),
        "errors": sum(1 for s in samples if s.error is not None),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(times[-1], 2),
    }


@contextmanager
def blocker(url: str) -> Iterator[tuple[str, sa.Connection]]:
    """An open application transaction that has read auth_user (holds its shared lock); its session id."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                session = str(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            else:
                session = str(connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one())
            connection.commit()
            connection.execute(sa.text("SELECT count(*) FROM auth_user")).scalar_one()
            yield session, connection
            if connection.in_transaction():
                connection.rollback()
    finally:
        engine.dispose()


def seed(url: str, rows: int = 8) -> None:
    """A few users for the lookups."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for number in range(1, rows + 1):
                connection.execute(
                    sa.text(
                        "INSERT INTO auth_user (id, email, first_name, password, active, fs_uniquifier)"
                        " VALUES (:id, :email, 'U', 'x', :active, :token)"
                    ),
                    {"id": number, "email": f"u{number}@example.com", "active": True, "token": f"t{number}"},
                )
    finally:
        engine.dispose()


def add_column_revision(down_revision: str, revision: str = "l001") -> str:
    """A revision that adds a nullable column to auth_user (the 'safe' migration of issue 16)."""
    return f'''"""Test revision: a nullable column on auth_user."""
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("auth_user", sa.Column("nickname", sa.String(40), nullable=True))


def downgrade():
    op.drop_column("auth_user", "nickname")
'''
