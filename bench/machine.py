"""What the benchmarks ran on: CPU model, cores, RAM, Python, OS and the commit."""

from __future__ import annotations

import os
import platform
import subprocess

from bench.paths import REPO_ROOT

_KIB_PER_GIB = 1024 * 1024
_GIT_TIMEOUT_SECONDS = 5.0


def _proc_field(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        return None
    return None


def cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown CPU"


def ram_gib() -> float | None:
    total = _proc_field("/proc/meminfo", "MemTotal")
    if total is None:
        return None
    return int(total.split()[0]) / _KIB_PER_GIB


def describe() -> str:
    """One line: ``AMD EPYC, 2 cores, 23.5 GiB RAM, CPython 3.11.7, Linux-6.1-x86_64``."""
    ram = ram_gib()
    parts = [
        cpu_model(),
        f"{os.cpu_count() or 0} cores",
        f"{ram:.1f} GiB RAM" if ram is not None else "RAM unknown",
        f"{platform.python_implementation()} {platform.python_version()}",
        platform.platform(terse=True),
    ]
    return ", ".join(parts)


def commit() -> str:
    """Short commit id, ``+changes`` when the checkout differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=_GIT_TIMEOUT_SECONDS,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "mjcore", "bot"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=_GIT_TIMEOUT_SECONDS,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}+changes" if dirty else head
