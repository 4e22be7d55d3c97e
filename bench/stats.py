"""Small statistics helpers: percentiles and slot utilisation."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from mjcore.models import Task


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _merged(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(span: tuple[int, int], union: Sequence[tuple[int, int]]) -> int:
    return sum(max(0, min(span[1], end) - max(span[0], start)) for start, end in union)


def slot_utilisation(
    tasks: Iterable[Task], core_size: int, accepted: Mapping[str, int] | None = None
) -> tuple[float, float]:
    """Busy slot time / available slot time while work waited, over all accounts.

    A slot is busy from a task's ``start_time`` (interaction sent) to its ``finish_time``. An
    account has a backlog while at least one of its tasks waits in its queue: from the moment
    the task was accepted (``accepted[task id]``, when the submit call returned; ``submit_time``
    when not given) to ``start_time``; all its ``core_size`` slots should be busy then. Returns
    (utilisation, seconds of backlog summed over accounts). Times are in milliseconds.
    """
    accepted = accepted or {}
    by_account: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        if task.start_time is not None and task.finish_time is not None:
            by_account[task.account_id or ""].append(task)
    busy = available = 0
    for account_tasks in by_account.values():
        backlog = _merged(
            (max(t.submit_time, accepted.get(t.id, 0)), t.start_time or 0) for t in account_tasks
        )
        available += core_size * sum(end - start for start, end in backlog)
        busy += sum(
            _overlap((t.start_time or 0, t.finish_time or 0), backlog) for t in account_tasks
        )
    if available == 0:
        return math.nan, 0.0
    return busy / available, available / core_size / 1000
