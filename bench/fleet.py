"""``db fleet upgrade --parallel 8`` over many PostgreSQL schemas vs a loop of ``db upgrade`` per schema.

Both sides migrate fresh schemas of one database with the project's own migrations, everything on
(lock, history, checksums, lint gate). The loop is what a user does without the fleet: one process
per schema, its ``search_path`` in the URL. Measured: wall time (ratio, goal <= 0.15), peak memory of
the whole process tree (sum of RSS of the runner and its workers; the loop runs one process at a
time), and the peak count of sessions on the database (sampled from pg_stat_activity every 20 ms).
The loop may be timed on a sample of the schemas and scaled (its cost is per process, so linear).
A second fleet run over 200 schemas and 30 MariaDB databases checks that status agrees and that a
rerun touches nothing, and gives the mixed-fleet time.

    python bench/fleet.py [--schemas 200] [--mariadb 30] [--loop-sample N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, verdict

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/mysql"
MANAGE = [sys.executable, str(ROOT / "manage.py")]
ENV = {
    "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
    "SECURITY_PASSWORD_SALT": "bench-salt-012345678",
    "PYTHONPATH": str(ROOT),
}


class Sampler:
    """Peak sessions on a database and peak RSS of a process tree, sampled in a thread."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.peak_sessions = 0
        self.peak_rss_mib = 0.0
        self.root_pid: int | None = None
        self._stop = threading.Event()
        self._engine = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT", pool_size=1)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._engine.dispose()

    def _run(self) -> None:
        with self._engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
            while not self._stop.is_set():
                sessions = connection.execute(query, {"name": self.database}).scalar_one()
                self.peak_sessions = max(self.peak_sessions, int(sessions))
                if self.root_pid is not None:
                    self.peak_rss_mib = max(self.peak_rss_mib, tree_rss_mib(self.root_pid))
                time.sleep(0.02)


def tree_rss_mib(pid: int) -> float:
    """Sum of VmRSS of ``pid`` and its descendants, in MiB (0 if it is gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        pending += [int(child) for child in children]
    return total / 1024


def run(argv: list[str], env: dict[str, str], sampler: Sampler | None = None) -> tuple[float, str]:
    """Run ``argv``; wall seconds and stdout (RuntimeError on a non-zero exit)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if sampler is not None:
        sampler.root_pid = process.pid
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {err[-2000:]}")
    return elapsed, out


@contextmanager
def postgres_schemas(count: int) -> Iterator[tuple[str, str, list[str]]]:
    """A fresh database with ``count`` empty schemas: (database name, URL, schema names); dropped after."""
    name = f"bench_fleet_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False)
    schemas = [f"t{index:04d}" for index in range(count)]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for schema in schemas:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    try:
        yield name, url, schemas
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@contextmanager
def mariadb_databases(count: int) -> Iterator[list[str]]:
    """``count`` fresh MariaDB databases (their URLs); dropped after."""
    names = [f"bench_fleet_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    admin = sa.create_engine(MARIADB_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield [
            sa.make_url(MARIADB_ADMIN).set(database=n).render_as_string(hide_password=False) for n in names
        ]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def targets_file(path: Path, url: str, schemas: list[str], mariadb: list[str] = ()) -> Path:  # type: ignore[assignment]
    """A targets file: the schemas of ``url``, then the MariaDB databases."""
    lines = ["[defaults]", f'url = "{url}"', ""]
    lines += [f'[targets.{schema}]\nschema = "{schema}"\n' for schema in schemas]
    lines += [f'[targets.maria_{index:02d}]\nurl = "{u}"\n' for index, u in enumerate(mariadb)]
    path.write_text("\n".join(lines))
    return path


def fleet_upgrade(
    targets: Path, parallel: int, sampler: Sampler | None = None
) -> tuple[float, dict[str, Any]]:
    """``db fleet upgrade --json``: wall seconds and the report."""
    argv = [
        *MANAGE,
        "db",
        "fleet",
        "upgrade",
        "--targets",
        str(targets),
        "--parallel",
        str(parallel),
        "--json",
    ]
    seconds, out = run(argv, ENV, sampler)
    return seconds, json.loads(out)


def measure(
    schemas: int = 200, mariadb: int = 30, parallel: int = 8, loop_sample: int | None = None
) -> dict[str, Any]:
    """The fleet vs the loop on ``schemas`` schemas; then the mixed fleet with ``mariadb`` databases."""
    result: dict[str, Any] = {"schemas": schemas, "parallel": parallel}
    with tempfile.TemporaryDirectory() as tmp, postgres_schemas(schemas) as (database, url, names):
        with Sampler(database) as sampler:
            seconds, report = fleet_upgrade(targets_file(Path(tmp) / "t.toml", url, names), parallel, sampler)
        assert report["summary"] == {"upgraded": schemas}, report["summary"]
        result["fleet"] = {
            "seconds": round(seconds, 2),
            "peak_sessions": sampler.peak_sessions,
            "peak_rss_mib": round(sampler.peak_rss_mib, 1),
        }
    sample = loop_sample or schemas
    with postgres_schemas(sample) as (database, url, names):
        with Sampler(database) as sampler:
            started = time.perf_counter()
            for schema in names:
                schema_url = f"{url}?options=-csearch_path%3D{schema}"
                sampler.root_pid = None
                run([*MANAGE, "db", "upgrade"], {**ENV, "DATABASE_URL": schema_url}, sampler)
            loop = time.perf_counter() - started
        result["loop"] = {
            "seconds_measured": round(loop, 2),
            "schemas_measured": sample,
            "seconds": round(loop * schemas / sample, 2),
            "peak_sessions": sampler.peak_sessions,
            "peak_rss_mib": round(sampler.peak_rss_mib, 1),
        }
    result["ratio"] = round(result["fleet"]["seconds"] / result["loop"]["seconds"], 3)
    result["goal"] = 0.15
    result["met"] = result["ratio"] <= 0.15
    result["mixed"] = mixed(schemas, mariadb, parallel)
    return result


def mixed(schemas: int, mariadb: int, parallel: int) -> dict[str, Any]:
    """PostgreSQL schemas and MariaDB databases in one file: upgrade, status agrees, a rerun does nothing."""
    with tempfile.TemporaryDirectory() as tmp, postgres_schemas(schemas) as (database, url, names):
        with mariadb_databases(mariadb) as maria:
            targets = targets_file(Path(tmp) / "t.toml", url, names, maria)
            with Sampler(database) as sampler:
                seconds, report = fleet_upgrade(targets, parallel, sampler)
            assert report["summary"] == {"upgraded": schemas + mariadb}, report["summary"]
            argv = [
                *MANAGE,
                "db",
                "fleet",
                "status",
                "--targets",
                str(targets),
                "--parallel",
                str(parallel),
                "--json",
            ]
            status_seconds, out = run(argv, ENV)
            assert json.loads(out)["summary"] == {"at-head": schemas + mariadb}
            rerun_seconds, rerun = fleet_upgrade(targets, parallel)
            assert rerun["summary"] == {"at-head": schemas + mariadb}
    return {
        "targets": schemas + mariadb,
        "seconds": round(seconds, 2),
        "status_seconds": round(status_seconds, 2),
        "rerun_seconds": round(rerun_seconds, 2),
        "peak_pg_sessions": sampler.peak_sessions,
        "peak_rss_mib": round(sampler.peak_rss_mib, 1),
    }


def table(result: dict[str, Any], judged: bool = True) -> str:
    """The measurement as a Markdown table (``judged``: with the goal's verdict; a quick run has none)."""
    fleet, loop, mixed_run = result["fleet"], result["loop"], result["mixed"]
    met = verdict(result["met"], judged)
    lines = [
        "| run | seconds | peak sessions | peak memory MiB (sum of RSS) |",
        "| --- | --- | --- | --- |",
        f"| fleet, {result['schemas']} schemas, --parallel {result['parallel']} | {fleet['seconds']}"
        f" | {fleet['peak_sessions']} | {fleet['peak_rss_mib']} |",
        f"| loop of db upgrade ({loop['schemas_measured']} timed, scaled to {result['schemas']})"
        f" | {loop['seconds']} | {loop['peak_sessions']} | {loop['peak_rss_mib']} (one process) |",
        f"| fleet, {mixed_run['targets']} targets with MariaDB; status {mixed_run['status_seconds']} s,"
        f" rerun {mixed_run['rerun_seconds']} s | {mixed_run['seconds']}"
        f" | {mixed_run['peak_pg_sessions']} (PostgreSQL)"
        f" | {mixed_run['peak_rss_mib']} |",
    ]
    return "\n".join(lines) + f"\n\nratio {result['ratio']} (goal <= {result['goal']}: {met})"


def main() -> int:
    """Run and print the measurement as JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schemas", type=int, default=200)
    parser.add_argument("--mariadb", type=int, default=30)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument(
        "--loop-sample", type=int, default=None, help="time the loop on this many schemas, scaled"
    )
    args = parser.parse_args()
    print(json.dumps(measure(args.schemas, args.mariadb, args.parallel, args.loop_sample), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
