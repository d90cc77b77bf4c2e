"""``dbCreateRegUser --from-file`` with N users against the hash-bound limit: N x one hash / cores.

One hash is Flask-Security's ``hash_password`` at the application's real cost (argon2, passlib's
parameters), measured in this run as CPU seconds (argon2 runs its lanes on threads, so a lone
hash's wall time understates the work a busy core does). The command runs as an operator runs it,
in a subprocess, on SQLite and on PostgreSQL when reachable. Goal: ratio <= 1.25.

    python bench/seed_users.py [--rows 1000] [--hashes 7]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import verdict  # noqa: E402
from webapp.password_pool import cores  # noqa: E402

SECRETS = {
    "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
    "SECURITY_PASSWORD_SALT": "bench-salt-0123456789abcdef012345",
}
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
GOAL = 1.25


def environment(url: str) -> dict[str, str]:
    """The CLI's environment: real hash cost (no test override), bench secrets, ``url``."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "ORACLE_", "REGUSER_"))}
    keep.pop("SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS", None)
    return {**keep, **SECRETS, "DATABASE_URL": url}


def one_hash(samples: int) -> tuple[float, float]:
    """Median CPU and wall seconds of one ``hash_password`` at the application's configured cost."""
    os.environ.update(SECRETS)
    os.environ.pop("SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS", None)
    from flask_security.utils import hash_password

    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    cpu, wall = [], []
    with app.app_context():
        hash_password("warm-up-password-1")
        for n in range(samples):
            started_cpu, started = time.process_time(), time.perf_counter()
            hash_password(f"Password-{n:04d}-x")
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
    return statistics.median(cpu), statistics.median(wall)


def users_file(path: Path, rows: int) -> Path:
    """A CSV of ``rows`` users, half with two roles."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name", "last_name", "roles", "password"])
        for n in range(rows):
            roles = "reader;staff" if n % 2 else "reader"
            writer.writerow([f"user{n:05d}@example.com", f"First{n}", f"Last{n}", roles, f"Pw-{n:05d}-bench"])
    return path


def seed_seconds(url: str, path: Path, rows: int) -> tuple[float, float]:
    """Wall and CPU seconds (all its processes) of the real CLI seeding ``url`` from ``path``."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    env = environment(url)
    subprocess.run([*manage, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*manage, "dbCreateRegUser", "--from-file", str(path), "--create-roles"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    expected = f"created {rows}, updated 0, unchanged 0, rejected 0\n"
    if done.returncode != 0 or done.stdout != expected:
        raise SystemExit(f"seeding failed: {done.stdout}{done.stderr}")
    return elapsed, cpu


def postgres_database() -> tuple[sa.Engine, str] | None:
    """A new PostgreSQL database (admin engine, URL), or None when the server is not reachable."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError:
        admin.dispose()
        return None
    return admin, sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def measure(rows: int = 1000, hashes: int = 7) -> dict[str, Any]:
    """Seed ``rows`` users on SQLite and PostgreSQL; the limit and each backend's ratio to it."""
    hash_cpu, hash_wall = one_hash(hashes)
    limit = rows * hash_cpu / cores()
    results: list[dict[str, Any]] = []

    def row(backend: str, elapsed: float, cpu: float) -> dict[str, Any]:
        return {
            "backend": backend,
            "elapsed_s": round(elapsed, 3),
            "ratio": round(elapsed / limit, 3),
            "met": elapsed / limit <= GOAL,
            "cpu_s": round(cpu, 2),
            # CPU / (rows x hash) near 1: the command does little besides hashing; CPU / elapsed:
            # the cores it actually got (other work on a shared machine takes the rest)
            "cpu_over_hashing": round(cpu / (rows * hash_cpu), 3),
            "cores_used": round(cpu / elapsed, 2),
        }

    with tempfile.TemporaryDirectory() as tmp:
        path = users_file(Path(tmp) / "users.csv", rows)
        results.append(row("SQLite", *seed_seconds(f"sqlite:///{tmp}/bench.db", path, rows)))
        made = postgres_database()
        if made is None:
            if os.environ.get("CI") == "true":
                raise SystemExit(f"CI=true requires PostgreSQL at {sa.make_url(POSTGRES_ADMIN_URL)}")
            print(f"PostgreSQL not reachable at {sa.make_url(POSTGRES_ADMIN_URL)}: skipped", file=sys.stderr)
        else:
            admin, url = made
            try:
                results.append(row("PostgreSQL", *seed_seconds(url, path, rows)))
            finally:
                with admin.connect() as connection:
                    connection.exec_driver_sql(
                        f"DROP DATABASE IF EXISTS {sa.make_url(url).database} WITH (FORCE)"
                    )
                admin.dispose()
    return {
        "rows": rows,
        "cores": cores(),
        "hash_cpu_s": round(hash_cpu, 4),
        "hash_wall_s": round(hash_wall, 4),
        "limit_s": round(limit, 3),
        "goal": GOAL,
        "backends": results,
    }


def table(result: dict[str, Any], judged: bool = True) -> str:
    """The seeding results as Markdown: the limit, then one row per backend (``judged``: with verdicts)."""
    lines = [
        f"one hash: {result['hash_cpu_s']} s CPU ({result['hash_wall_s']} s wall), {result['cores']} cores; "
        f"hash-bound limit = {result['rows']} x {result['hash_cpu_s']} / {result['cores']} "
        f"= {result['limit_s']} s",
        "",
        "| backend | elapsed s | limit s | ratio | goal | CPU s | CPU / hashing | cores used |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in result["backends"]:
        outcome = verdict(row["met"], judged)
        lines.append(
            f"| {row['backend']} | {row['elapsed_s']} | {result['limit_s']} | {row['ratio']} "
            f"| <= {result['goal']} {outcome} | {row['cpu_s']} | {row['cpu_over_hashing']} "
            f"| {row['cores_used']} |"
        )
    return "\n".join(lines)


def main() -> int:
    """Measure, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1000, help="users in the file (default 1000)")
    parser.add_argument("--hashes", type=int, default=7, help="hashes timed for the one-hash cost")
    args = parser.parse_args()
    print(table(measure(args.rows, args.hashes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
