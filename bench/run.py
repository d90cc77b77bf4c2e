"""``make bench``: run every benchmark and print one table of ratios (``--quick`` for a smoke run).

``--only upgrade`` runs the 200-revision ``db upgrade`` rows alone (SQLite, PostgreSQL) and records
them as ``bench/results/upgrade-<stamp>.json`` and ``.md``, with the machine's load averages before
and after: on a machine shared with other work, the load says how far to trust the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    autogenerate,
    cold_start,
    fleet,
    lint_chain,
    live_load,
    online_index,
    seed_users,
    upgrade_chain,
    web,
)
from bench.harness import NOT_JUDGED, ROOT, Comparison, verdict

RESULTS = ROOT / "bench" / "results"


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }


def table(rows: list[dict[str, Any]], judged: bool = True) -> str:
    """The results as a Markdown table (``judged``: with each goal's verdict; a quick run has none)."""
    header = ["measurement", "reference", "ours median (min-max) s", "reference median (min-max) s"]
    header += ["ratio", "memory ratio", "goal", "Flask-Migrate floor s", "ours / floor"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        goal = "" if row["goal"] is None else f"<= {row['goal']} {verdict(row['met'], judged)}"
        floor = "" if row.get("floor_median_s") is None else str(row["floor_median_s"])
        floor_ratio = "" if row.get("floor_ratio") is None else str(row["floor_ratio"])
        lines.append(
            f"| {row['name']} | {row['reference']} "
            f"| {row['ours_median_s']} ({row['ours_min_s']}-{row['ours_max_s']}) "
            f"| {row['ref_median_s']} ({row['ref_min_s']}-{row['ref_max_s']}) | {row['ratio']} "
            f"| {row['memory_ratio']} | {goal} | {floor} | {floor_ratio} |"
        )
    return "\n".join(lines)


FLOOR_NOTE = (
    "Flask-Migrate floor: the same work through `flask db ...` on a bare Flask app with Flask-SQLAlchemy"
    " and Flask-Migrate's own env.py (bench/bare_flask.py): no lock, history, checksums, lint or"
    " journal. Raw Alembic's lead over it is the price of Flask; ours / floor is the price of our"
    " safety features. Why each goal is or is not met: notes/benchmarks.md."
)


def upgrade_only(runs: int) -> int:
    """The ``db upgrade`` rows alone, recorded apart from the full run's ``latest.md``."""
    load_before = os.getloadavg()
    rows = [comparison.row() for comparison in upgrade_chain.measure(runs, revisions=200)]
    load_after = os.getloadavg()
    load = (
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in load_before)};"
        f" after: {', '.join(f'{x:.1f}' for x in load_after)} ({os.cpu_count()} CPUs). The machine is"
        " shared with other work: a load above the CPU count means the runs competed for the cores."
    )
    cpu = "CPU time of the command's process (user + system), median, ours / reference: " + "; ".join(
        f"{row['name'].split(' (')[0]}: {row['cpu_ratio']}" for row in rows
    )
    text = table(rows) + "\n\n" + FLOOR_NOTE + "\n\n" + load + "\n\n" + cpu + "."
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    record = {"machine": machine(), "runs": runs, "rows": rows, "load": [load_before, load_after]}
    (RESULTS / f"upgrade-{stamp}.json").write_text(json.dumps(record, indent=2))
    (RESULTS / f"upgrade-{stamp}.md").write_text(
        f"# db upgrade, 200 revisions ({stamp})\n\n{json.dumps(machine())}\n\n{text}\n"
    )
    return 0


def report(
    rows: list[dict[str, Any]],
    web_rows: list[dict[str, Any]],
    seeding: dict[str, Any],
    fleet_run: dict[str, Any],
    live: list[dict[str, Any]],
    *,
    quick: bool = False,
) -> str:
    """Every measurement as Markdown; a quick run's numbers carry no goal verdict (they cannot decide one)."""
    judged = not quick
    text = table(rows, judged) + "\n\n" + FLOOR_NOTE
    if quick:
        text += f"\n\nQuick run (one run each, small inputs): goals {NOT_JUDGED}; `make bench` judges them."
    text += "\n\nThroughput under waitress (4 threads, 4 keep-alive clients), "
    text += "vs a minimal Flask-Security-Too app with the same login page and settings (goal >= 0.9):\n\n"
    text += "| path | ours req/s | reference req/s | ratio |\n| --- | --- | --- | --- |\n"
    text += "\n".join(
        f"| {r['path']} | {r['ours_rps']} | {r['reference_rps']} | {r['ratio']} |" for r in web_rows
    )
    text += f"\n\n`dbCreateRegUser --from-file` with {seeding['rows']} users vs the hash-bound limit"
    text += " (rows x one hash's CPU time / cores, measured in this run):\n\n" + seed_users.table(
        seeding, judged
    )
    text += f"\n\n`db fleet upgrade --parallel 8` over {fleet_run['schemas']} PostgreSQL schemas"
    text += " vs a shell loop of `db upgrade` per schema (bench/fleet.py; goal <= 0.15):\n\n"
    text += fleet.table(fleet_run, judged)
    text += "\n\nApp latency during `db upgrade` under load, lock-wait budget 1 s (bench/live_load.py):\n\n"
    return text + live_load.table(live, judged)


def main() -> int:
    """Run, print, record."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run each, small inputs; nothing recorded")
    parser.add_argument("--only", choices=("upgrade",), help="run one benchmark alone and record it apart")
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    args = parser.parse_args()
    if args.only == "upgrade":
        return upgrade_only(args.runs)
    runs = 1 if args.quick else args.runs
    comparisons: list[Comparison] = []
    comparisons += cold_start.measure(runs)
    comparisons += upgrade_chain.measure(runs, revisions=20 if args.quick else 200)
    comparisons += autogenerate.measure(runs, tables=30 if args.quick else 300)
    lint_revisions = 20 if args.quick else 200
    comparisons.append(lint_chain.measure(runs=runs, revisions=lint_revisions))
    rows = [comparison.row() for comparison in comparisons]
    lint_row = rows[-1]
    lint_row["ms_per_revision"] = round(1000 * lint_row["ours_median_s"] / lint_revisions, 2)
    lint_cpu = statistics.median(sample.cpu_seconds for sample in comparisons[-1].ours)
    lint_row["cpu_ms_per_revision"] = round(1000 * lint_cpu / lint_revisions, 2)
    lint_row["name"] += (
        f" ({lint_row['ms_per_revision']} ms per revision; CPU {lint_row['cpu_ms_per_revision']} ms)"
    )
    web_rows = web.measure(
        requests=100 if args.quick else 1500, clients=4, threads=4, rounds=1 if args.quick else 3
    )
    seeding = seed_users.measure(rows=20 if args.quick else 1000, hashes=2 if args.quick else 7)
    schemas = 4 if args.quick else 200
    fleet_run = fleet.measure(schemas, mariadb=1 if args.quick else 30, loop_sample=1 if args.quick else 20)
    live = live_load.measure(quick=args.quick)
    text = report(rows, web_rows, seeding, fleet_run, live, quick=args.quick)
    indexing = online_index.measure(quick=args.quick)
    text += "\n\nWrites while an index is built on a table in use, `op.create_index` vs"
    text += " `op.create_index_online` (bench/online_index.py):\n\n" + online_index.table(indexing)
    print(text)
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        record = {
            "machine": machine(), "runs": runs, "rows": rows, "web": web_rows, "seeding": seeding,
            "fleet": fleet_run,
            "live_load": live, "online_index": indexing,
        }  # fmt: skip
        (RESULTS / f"{stamp}.json").write_text(json.dumps(record, indent=2))
        (RESULTS / "latest.md").write_text(
            f"# Latest benchmark ({stamp})\n\n{json.dumps(machine())}\n\n{text}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
