"""Side-by-side timing of two commands: alternated runs, medians, min/max, peak memory (RSS)."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# a quick run (one run each, inputs a tenth of the size or less) cannot decide a goal set for the full
# sizes: fixed costs swamp per-revision, per-schema and per-row ones, and one sample is not a median
NOT_JUDGED = "not judged at quick size"


def verdict(met: bool | None, judged: bool = True, missed: str = "NOT met") -> str:
    """``met`` / ``NOT met`` for a goal measured at full size; no verdict for a quick run's numbers."""
    if met is None:
        return ""
    if not judged:
        return NOT_JUDGED
    return "met" if met else missed


@dataclass(frozen=True)
class Sample:
    """One run of a command: wall seconds, peak resident set of the child in MiB, and its CPU seconds
    (user + system: what the command itself cost, less swayed than wall time by a busy machine)."""

    seconds: float
    peak_mib: float
    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class Comparison:
    """Ours against the reference, over the same runs."""

    name: str
    reference: str
    ours: list[Sample]
    theirs: list[Sample]
    goal: float | None = None
    # the same work through bare Flask-Migrate (bench/bare_flask.py): what Flask itself costs
    floor: list[Sample] = field(default_factory=list)

    @staticmethod
    def _median(samples: list[Sample], field: str) -> float:
        return float(statistics.median(float(getattr(sample, field)) for sample in samples))

    @property
    def ratio(self) -> float:
        """Median time of ours over median time of the reference."""
        return self._median(self.ours, "seconds") / self._median(self.theirs, "seconds")

    @property
    def memory_ratio(self) -> float:
        """Median peak RSS of ours over the reference's."""
        return self._median(self.ours, "peak_mib") / self._median(self.theirs, "peak_mib")

    @property
    def cpu_ratio(self) -> float | None:
        """Median CPU time of ours over the reference's (None if not measured)."""
        if not all(sample.cpu_seconds for sample in [*self.ours, *self.theirs]):
            return None
        return self._median(self.ours, "cpu_seconds") / self._median(self.theirs, "cpu_seconds")

    @property
    def floor_ratio(self) -> float | None:
        """Median time of ours over bare Flask-Migrate's on the same work (None if not measured)."""
        if not self.floor:
            return None
        return self._median(self.ours, "seconds") / self._median(self.floor, "seconds")

    def row(self) -> dict[str, Any]:
        """The numbers a results table shows."""
        ours = [s.seconds for s in self.ours]
        theirs = [s.seconds for s in self.theirs]
        floor = [s.seconds for s in self.floor]
        return {
            "name": self.name,
            "reference": self.reference,
            "ours_median_s": round(statistics.median(ours), 4),
            "ours_min_s": round(min(ours), 4),
            "ours_max_s": round(max(ours), 4),
            "ref_median_s": round(statistics.median(theirs), 4),
            "ref_min_s": round(min(theirs), 4),
            "ref_max_s": round(max(theirs), 4),
            "ratio": round(self.ratio, 3),
            "memory_ratio": round(self.memory_ratio, 3),
            "cpu_ratio": None if self.cpu_ratio is None else round(self.cpu_ratio, 3),
            "floor_median_s": round(statistics.median(floor), 4) if floor else None,
            "floor_ratio": None if self.floor_ratio is None else round(self.floor_ratio, 3),
            "goal": self.goal,
            "met": None if self.goal is None else self.ratio <= self.goal,
            "runs": len(ours),
            "samples": {
                "ours": [asdict(s) for s in self.ours],
                "reference": [asdict(s) for s in self.theirs],
                "flask_migrate_floor": [asdict(s) for s in self.floor],
            },
        }


def run_once(argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path = ROOT) -> Sample:
    """Run a command to completion; its wall time, its own peak RSS and CPU time (not this process's)."""
    environment = {**os.environ, **(env or {})}
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv), cwd=cwd, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}: {stderr[-2000:]}")
    return Sample(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def compare(
    name: str,
    reference: str,
    ours: Callable[[], Sample],
    theirs: Callable[[], Sample],
    runs: int,
    goal: float | None = None,
    floor: Callable[[], Sample] | None = None,
) -> Comparison:
    """Alternate ours, the reference (and the Flask-Migrate floor) ``runs`` times each: machines are
    noisy, medians decide, and the order rotates so that none always gets the warmest cache."""
    functions = [ours, theirs] if floor is None else [ours, theirs, floor]
    samples: list[list[Sample]] = [[] for _ in functions]
    for index in range(runs):
        shift = index % len(functions)
        for position in [*range(shift, len(functions)), *range(shift)]:
            samples[position].append(functions[position]())
    return Comparison(name, reference, samples[0], samples[1], goal, samples[2] if floor else [])
