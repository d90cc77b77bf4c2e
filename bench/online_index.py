"""Writes while an index is built on a table in use: `op.create_index` against `op.create_index_online`
(issue 16), PostgreSQL and MariaDB.

A table of ROWS rows; WRITERS clients each update one random row per transaction at a fixed rate;
the index is built once plainly and once with the helper, interleaved (REPEATS times each, the
machine is shared). Reported: how long the build took, the writers' p50/p99/max latency while it
ran, and errors. A plain build on PostgreSQL holds SHARE (writes wait for the whole build); the
helper's CONCURRENTLY does not. MariaDB builds indexes in place with LOCK=NONE either way; the
helper only makes the server refuse instead of falling back to a lock.
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from support.databases import fresh_database
from support.load import Sample, summary

from oramigrate import plugin

ROWS = 300_000
WRITERS = 4
RATE = 25.0  # transactions per second per writer
REPEATS = 2


def _fill(engine: sa.Engine, rows: int) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, note VARCHAR(40))"
        )
        step = 10_000
        for start in range(0, rows, step):
            connection.execute(
                sa.text("INSERT INTO big (id, v, note) VALUES (:id, :v, :note)"),
                [
                    {"id": i, "v": i % 977, "note": f"n{i % 1013}"}
                    for i in range(start, min(rows, start + step))
                ],
            )


def _writers(
    engine: sa.Engine, rows: int, stop: threading.Event, samples: list[Sample]
) -> list[threading.Thread]:
    def client(seed: int) -> None:
        rng, period = random.Random(seed), 1.0 / RATE
        with engine.connect() as connection:
            while not stop.is_set():
                began = time.monotonic()
                error = None
                try:
                    with connection.begin():
                        connection.execute(
                            sa.text("UPDATE big SET v = v + 1 WHERE id = :id"), {"id": rng.randrange(rows)}
                        )
                except sa.exc.DBAPIError as exc:
                    error = str(exc.orig)
                samples.append(Sample(began, time.monotonic() - began, error))
                time.sleep(max(0.0, period - (time.monotonic() - began)))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    return threads


def _build(engine: sa.Engine, online: bool) -> float:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        op = Operations(context)
        began = time.monotonic()
        with context.begin_transaction():
            if online:
                op.create_index_online("ix_big_v_note", "big", ["v", "note"])
            else:
                op.create_index("ix_big_v_note", "big", ["v", "note"])
        took = time.monotonic() - began
        with context.begin_transaction():
            op.drop_index("ix_big_v_note", table_name="big")
    return took


def measure(quick: bool = False) -> list[dict[str, Any]]:
    """Per backend, per mode (interleaved repeats): build seconds and writer latency during the build."""
    plugin.install()
    rows = 50_000 if quick else ROWS
    results: list[dict[str, Any]] = []
    for backend in ("postgresql", "mariadb"):
        with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as database:
            engine = sa.create_engine(database.url, pool_size=WRITERS + 2)
            _fill(engine, rows)
            samples: list[Sample] = []
            stop = threading.Event()
            threads = _writers(engine, rows, stop, samples)
            time.sleep(1.0)
            for _ in range(1 if quick else REPEATS):
                for online in (False, True):
                    began = time.monotonic()
                    took = _build(engine, online)
                    during = [s for s in list(samples) if began <= s.started < began + took]
                    results.append(
                        {"backend": backend, "online": online, "build_s": round(took, 2), **summary(during)}
                    )
                    time.sleep(0.5)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            engine.dispose()
    return results


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown: one line per build."""
    lines = [
        "| database | build | seconds | writes during | write p50/p99/max ms | errors |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        how = "op.create_index_online" if r["online"] else "op.create_index"
        lines.append(
            f"| {r['backend']} | {how} | {r['build_s']} | {r['queries']} |"
            f" {r['p50_ms']}/{r['p99_ms']}/{r['max_ms']} | {r['errors']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure(quick="--quick" in sys.argv)))
