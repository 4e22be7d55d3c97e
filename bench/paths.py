"""Where the benchmarks live and where their work files go (never into the repository)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
WORK_ROOT = Path("/tmp/mjbridge-bench")
