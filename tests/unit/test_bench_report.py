"""The benchmark's printed report: a quick run (inside `make test`) gives no goal verdict it cannot judge."""

from __future__ import annotations

import json
import re

from bench import run
from bench.harness import NOT_JUDGED, ROOT

# a full reference run as recorded (it has goals met and goals missed in every table)
RECORDED = json.loads((ROOT / "bench" / "results" / "20261128-080157.json").read_text())
VERDICT = re.compile(r"\b(NOT met|met|MISSED)\b")


def _report(quick: bool) -> str:
    return run.report(
        RECORDED["rows"],
        RECORDED["web"],
        RECORDED["seeding"],
        RECORDED["fleet"],
        RECORDED["live_load"],
        quick=quick,
    )


def _goal_cells(text: str) -> list[str]:
    # the verdicts of the measurement, seeding and live-load tables, and the fleet's ratio line
    cells = re.findall(r"\| <= [\d.]+ ([^|]*?) \|", text)
    cells += re.findall(r"/[\d.]+ \| \d+ \| ([^|]*?) \|$", text, flags=re.MULTILINE)
    cells += re.findall(r"\(goal <= [\d.]+: ([^)]*)\)", text)
    return cells


def test_a_full_run_prints_each_goal_verdict() -> None:
    cells = _goal_cells(_report(quick=False))
    assert cells == [
        "met", "NOT met", "NOT met", "NOT met", "met",  # cold start x2, upgrade x2, autogenerate
        "met", "NOT met",  # seeding: SQLite, PostgreSQL
        "met", "met", "met", "met",  # live load
        "met",  # fleet
    ]  # fmt: skip


def test_a_quick_run_prints_no_verdict_it_cannot_judge() -> None:
    text = _report(quick=True)
    assert _goal_cells(text) == [NOT_JUDGED] * 12
    assert VERDICT.findall(text) == ["met"]  # the note: "why each goal is or is not met"
    assert f"goals {NOT_JUDGED}; `make bench` judges them." in text
