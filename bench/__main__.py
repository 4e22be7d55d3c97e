"""``python -m bench [NAME ...] [--quick] [--no-record] [--profile]``: run benchmarks.

Prints the results table and appends it, dated and with the machine's description, to
``bench/RESULTS.md`` (unless ``--no-record``). Names: see ``bench.BENCHMARKS``.

Each benchmark runs in a process of its own (``--one``), as a fresh ``mjbridge serve`` would:
one benchmark's leftovers (a large heap for the collector to walk, warm caches) must not weigh
on the next. Benchmarks that run the product in their process run it as ``mjbridge serve`` does:
on the same event loop (uvloop when installed) with the imported objects frozen out of the
garbage collector's sight.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench import BENCHMARKS
from bench.machine import commit, describe
from bench.paths import WORK_ROOT
from bench.report import (
    Figure,
    append_results,
    figures_from_json,
    figures_to_json,
    section,
    table,
)
from bench.stack import configure_logging
from bot.cli import loop_factory
from bot.collector import freeze_imported_objects

KEPT_RUNS = 5


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="small sizes, for smoke runs")
    parser.add_argument("--no-record", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument(
        "--profile", action="store_true", help="write a cProfile listing of the pipeline run"
    )
    # internal: run one benchmark in this process and write its figures to a file
    parser.add_argument("--one", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--figures", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    return parser


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


async def _run_one(name: str, *, quick: bool, profile: bool, workdir: Path) -> list[Figure]:
    try:
        return await BENCHMARKS[name](quick=quick, workdir=workdir, profile=profile)
    except Exception as exc:
        traceback.print_exc()
        return [Figure(name, "run", None, note=f"failed: {type(exc).__name__}: {exc}")]


def _one(args: argparse.Namespace) -> int:
    """The ``--one`` child: run a benchmark here, write its figures for the parent."""
    configure_logging(args.workdir / "mjbridge.log")
    freeze_imported_objects()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        found = runner.run(
            _run_one(args.one, quick=args.quick, profile=args.profile, workdir=args.workdir)
        )
    args.figures.write_text(figures_to_json(found))
    return 0


def _run_apart(name: str, *, quick: bool, profile: bool, workdir: Path) -> list[Figure]:
    """Run one benchmark in a child process of its own; its figures, or why there are none."""
    bench_dir = workdir / name
    bench_dir.mkdir(parents=True, exist_ok=True)
    figures_path = bench_dir / "figures.json"
    command = [sys.executable, "-m", "bench", "--one", name, "--figures", str(figures_path)]
    command += ["--workdir", str(bench_dir)]
    command += ["--quick"] * quick + ["--profile"] * profile
    code = subprocess.run(command, check=False).returncode
    if code != 0 or not figures_path.exists():
        return [Figure(name, "run", None, note=f"failed: its process exited with {code}")]
    return figures_from_json(figures_path.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.one is not None:
        return _one(args)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = list(args.names) or list(BENCHMARKS)
    run_id = time.strftime("%Y%m%d-%H%M%S")
    workdir = WORK_ROOT / "runs" / run_id
    workdir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    machine = f"{describe()}; load average {load:.2f} at start"
    _write(f"mjbridge benchmarks: {', '.join(names)} ({'quick' if args.quick else 'full'})")
    _write(f"machine: {machine}\nwork dir: {workdir}\n")
    figures: list[Figure] = []
    for name in names:
        _write(f"running {name} ...")
        started = time.monotonic()
        found = _run_apart(name, quick=args.quick, profile=args.profile, workdir=workdir)
        figures.extend(found)
        _write(table(found))
        _write(f"{name} took {time.monotonic() - started:.0f} s\n")
    mode = ("quick" if args.quick else "full") + ("" if names == list(BENCHMARKS) else " partial")
    text = section(figures, machine=machine, mode=mode, commit=commit())
    _write(text)
    if not args.no_record:
        append_results(text)
        _write("appended to bench/RESULTS.md")
    _prune_runs()
    return 0


def _prune_runs() -> None:
    """Keep the newest ``KEPT_RUNS`` run directories (logs, profiles)."""
    runs = sorted((WORK_ROOT / "runs").iterdir())
    for old in runs[:-KEPT_RUNS]:
        shutil.rmtree(old, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
