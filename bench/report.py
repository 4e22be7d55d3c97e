"""Figures, targets, the results table and ``bench/RESULTS.md``."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS_PATH = Path(__file__).parent / "RESULTS.md"
RESULTS_HEADER = (
    "# Benchmark results\n\n"
    "Appended by `make bench` (`python -m bench`); each run records the machine it ran on.\n"
    "Targets are for a 2-core machine. A `MISSED` row's note carries the measured context;\n"
    "the analysis section explains each miss with profile evidence and a proposed fix.\n"
)
_COLUMNS = ("benchmark", "metric", "value", "target", "status", "note")


@dataclass(frozen=True, slots=True)
class Target:
    """A bound a figure should meet: ``value >= bound`` (``at_least``) or ``value <= bound``."""

    bound: float
    at_least: bool

    def met(self, value: float) -> bool:
        return value >= self.bound if self.at_least else value <= self.bound

    def describe(self, unit: str) -> str:
        sign = "≥" if self.at_least else "≤"
        return f"{sign} {format_number(self.bound)} {unit}".strip()


def at_least(bound: float) -> Target:
    return Target(bound, at_least=True)


def at_most(bound: float) -> Target:
    return Target(bound, at_least=False)


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured number (``value`` None: it could not be measured, ``note`` says why)."""

    bench: str
    metric: str
    value: float | None
    unit: str = ""
    target: Target | None = None
    note: str = ""

    @property
    def status(self) -> str:
        if self.value is None:
            return "NOT MEASURED" if self.target is not None else "-"
        if self.target is None:
            return "-"
        return "met" if self.target.met(self.value) else "MISSED"


def figures_to_json(figures: Sequence[Figure]) -> str:
    """Figures as JSON, to pass them from a benchmark's own process to the one reporting."""
    return json.dumps([asdict(figure) for figure in figures])


def figures_from_json(text: str) -> list[Figure]:
    found: list[Figure] = []
    for raw in json.loads(text):
        target = raw.pop("target")
        found.append(Figure(**raw, target=None if target is None else Target(**target)))
    return found


def format_number(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if value == int(value) and abs(value) >= 1:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cells(figure: Figure) -> tuple[str, ...]:
    value = "-" if figure.value is None else f"{format_number(figure.value)} {figure.unit}"
    target = "" if figure.target is None else figure.target.describe(figure.unit)
    note = figure.note.replace("|", "/").replace("\n", " ")
    return (figure.bench, figure.metric, value.strip(), target, figure.status, note)


def table(figures: Sequence[Figure]) -> str:
    """A Markdown table of ``figures``."""
    rows = [_COLUMNS, *(_cells(f) for f in figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


def section(
    figures: Sequence[Figure], *, machine: str, mode: str, commit: str, when: datetime | None = None
) -> str:
    """The dated RESULTS.md section for one run."""
    moment = (when or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    missed = [f for f in figures if f.status in ("MISSED", "NOT MEASURED")]
    summary = (
        "every target met"
        if not missed
        else "targets missed: " + "; ".join(f"{f.bench}: {f.metric}" for f in missed)
    )
    return (
        f"## {moment} — {mode} run\n\n"
        f"- machine: {machine}\n"
        f"- commit: {commit}\n"
        f"- {summary}\n\n"
        f"{table(figures)}\n"
    )


def append_results(text: str, path: Path = RESULTS_PATH) -> None:
    """Append one run's section to RESULTS.md (created with its header when missing)."""
    existing = path.read_text("utf-8") if path.exists() else RESULTS_HEADER
    if not existing.endswith("\n"):
        existing += "\n"
    path.write_text(f"{existing}\n{text}", "utf-8")
