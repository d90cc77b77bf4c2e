"""``db lint --all`` over a generated 200-revision chain: milliseconds per revision, and the ratio to
``db history`` over the same chain (which loads every revision module too, but judges nothing).

Run: ``python bench/lint_chain.py [--revisions 200] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chain import generate_chain
from bench.cold_start import MANAGE, SECRETS
from bench.harness import Comparison, compare, run_once
from bench.workspace import manage_migrations


def measure(runs: int = 5, revisions: int = 200) -> Comparison:
    """Lint of the whole generated chain vs ``db history`` of it, alternated, ``runs`` times each."""
    with tempfile.TemporaryDirectory() as tmp:
        migrations = manage_migrations(Path(tmp) / "migrations")
        shutil.rmtree(migrations / "versions")
        generate_chain(migrations, revisions)
        env = {**SECRETS, "DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
        directory = ["-d", str(migrations)]
        return compare(
            f"db lint --all, {revisions} revisions",
            "db history, same chain",
            lambda: run_once([*MANAGE, "db", "lint", "--all", *directory], env),
            lambda: run_once([*MANAGE, "db", "history", *directory], env),
            runs,
        )


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--revisions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    comparison = measure(args.runs, args.revisions)
    for label, field in (("wall", "seconds"), ("CPU", "cpu_seconds")):
        lint_s = statistics.median(getattr(sample, field) for sample in comparison.ours)
        history_s = statistics.median(getattr(sample, field) for sample in comparison.theirs)
        print(
            f"{label}: {comparison.name} median {lint_s * 1000:.0f} ms "
            f"({lint_s * 1000 / args.revisions:.2f} ms/revision); {comparison.reference} "
            f"{history_s * 1000:.0f} ms; ratio {lint_s / history_s:.2f}; lint's own cost "
            f"{(lint_s - history_s) * 1000 / args.revisions:.2f} ms/revision"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
