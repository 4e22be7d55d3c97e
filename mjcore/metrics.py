"""Counters and histograms of the engine, rendered in the Prometheus text format.

Small on purpose: a handful of series, no labels beyond action, status and account.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from mjcore.models import Task, TaskStatus

DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


@dataclass(slots=True)
class Histogram:
    buckets: tuple[float, ...] = DURATION_BUCKETS
    counts: list[int] = field(default_factory=lambda: [0] * (len(DURATION_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def lines(self, name: str) -> list[str]:
        out: list[str] = []
        cumulative = 0
        for bound, n in zip(self.buckets, self.counts, strict=False):
            cumulative += n
            out.append(f'{name}_bucket{{le="{bound:g}"}} {cumulative}')
        out.append(f'{name}_bucket{{le="+Inf"}} {self.count}')
        out.append(f"{name}_sum {self.total:.6f}")
        out.append(f"{name}_count {self.count}")
        return out


@dataclass(frozen=True, slots=True)
class AccountSample:
    """What the engine reports per account at scrape time."""

    account_id: str
    up: bool
    running: int
    queued: int
    reconnects: int
    rate_limited: int


class Metrics:
    def __init__(self) -> None:
        self.transitions: Counter[tuple[str, str]] = Counter()
        self.submit_to_start = Histogram()
        self.start_to_finish = Histogram()
        self._last: dict[str, TaskStatus] = {}

    def observe(self, task: Task) -> None:
        """Count a task change once per status it enters."""
        previous = self._last.get(task.id)
        if previous is task.status:
            return
        self.transitions[(task.action.value, task.status.value)] += 1
        if task.status is TaskStatus.SUBMITTED and task.start_time is not None:
            self.submit_to_start.observe(max(0, task.start_time - task.submit_time) / 1000)
        if task.is_final:
            self._last.pop(task.id, None)
            if task.status is TaskStatus.SUCCESS and task.start_time and task.finish_time:
                self.start_to_finish.observe(max(0, task.finish_time - task.start_time) / 1000)
        else:
            self._last[task.id] = task.status

    def render(self, accounts: Iterable[AccountSample], *, notify_failures: int) -> str:
        lines = [
            "# HELP mjbridge_task_transitions_total Tasks entering a status, by action.",
            "# TYPE mjbridge_task_transitions_total counter",
        ]
        for (action, status), n in sorted(self.transitions.items()):
            lines.append(
                f'mjbridge_task_transitions_total{{action="{action}",status="{status}"}} {n}'
            )
        lines += [
            "# HELP mjbridge_task_submit_to_start_seconds From submit to the Discord interaction.",
            "# TYPE mjbridge_task_submit_to_start_seconds histogram",
            *self.submit_to_start.lines("mjbridge_task_submit_to_start_seconds"),
            "# HELP mjbridge_task_start_to_finish_seconds From the interaction to SUCCESS.",
            "# TYPE mjbridge_task_start_to_finish_seconds histogram",
            *self.start_to_finish.lines("mjbridge_task_start_to_finish_seconds"),
        ]
        samples = list(accounts)
        for name, kind, text, value in (
            ("account_up", "gauge", "1 when the account is connected and enabled.", "up"),
            ("running_jobs", "gauge", "Jobs running on the account.", "running"),
            ("queue_depth", "gauge", "Tasks waiting for a slot on the account.", "queued"),
            ("gateway_reconnects_total", "counter", "Gateway reconnections.", "reconnects"),
            (
                "discord_rate_limited_total",
                "counter",
                "HTTP 429 answers from Discord.",
                "rate_limited",
            ),
        ):
            lines += [f"# HELP mjbridge_{name} {text}", f"# TYPE mjbridge_{name} {kind}"]
            for sample in samples:
                number = int(getattr(sample, value))
                lines.append(f'mjbridge_{name}{{account="{sample.account_id}"}} {number}')
        lines += [
            "# HELP mjbridge_notify_failures_total Failed notify-hook deliveries.",
            "# TYPE mjbridge_notify_failures_total counter",
            f"mjbridge_notify_failures_total {notify_failures}",
        ]
        return "\n".join(lines) + "\n"
