"""``bench/run.py --quick``: every benchmark runs end to end against its reference and prints its tables.

Inside pytest (not after it in ``make test``) so its waits on the servers overlap the other tests; a
quick run judges no goal and records nothing.
"""

from __future__ import annotations

import subprocess
import sys

from support.databases import ROOT

TABLES = (
    "| measurement | reference |",
    "| path | ours req/s | reference req/s | ratio |",
    "| backend | elapsed s | limit s | ratio | goal | CPU s | CPU / hashing | cores used |",
    "| run | seconds | peak sessions | peak memory MiB (sum of RSS) |",
    "| database | blocker | exit |",
    "| database | build | seconds | writes during | write p50/p99/max ms | errors |",
)


def test_every_benchmark_runs_quick() -> None:
    results = sorted((ROOT / "bench" / "results").iterdir())
    ran = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    for header in TABLES:
        assert header in ran.stdout
    assert "goals not judged at quick size" in ran.stdout
    assert sorted((ROOT / "bench" / "results").iterdir()) == results  # nothing recorded
