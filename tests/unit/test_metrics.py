from __future__ import annotations

from dataclasses import replace

from mjcore.metrics import AccountSample, Histogram, Metrics
from mjcore.models import Task, TaskAction, TaskStatus


def test_histogram_buckets_are_cumulative() -> None:
    h = Histogram(buckets=(1.0, 5.0), counts=[0, 0, 0])
    for value in (0.5, 2, 3, 10):
        h.observe(value)
    lines = h.lines("x")
    assert 'x_bucket{le="1"} 1' in lines
    assert 'x_bucket{le="5"} 3' in lines
    assert 'x_bucket{le="+Inf"} 4' in lines
    assert "x_count 4" in lines and "x_sum 15.500000" in lines


def test_each_status_is_counted_once_and_durations_observed() -> None:
    metrics = Metrics()
    task = Task(id="t", action=TaskAction.IMAGINE, submit_time=1_000)
    metrics.observe(task)
    task = replace(task, status=TaskStatus.SUBMITTED, start_time=3_000)
    metrics.observe(task)
    metrics.observe(replace(task, progress="10%"))  # same status again: not counted
    task = replace(task, status=TaskStatus.IN_PROGRESS)
    metrics.observe(task)
    metrics.observe(replace(task, status=TaskStatus.SUCCESS, finish_time=13_000))
    assert metrics.transitions[("IMAGINE", "SUBMITTED")] == 1
    assert metrics.transitions[("IMAGINE", "SUCCESS")] == 1
    assert metrics.submit_to_start.count == 1 and metrics.submit_to_start.total == 2.0
    assert metrics.start_to_finish.total == 10.0
    text = metrics.render([AccountSample("a1", True, 2, 5, 1, 3)], notify_failures=4)
    assert 'mjbridge_task_transitions_total{action="IMAGINE",status="SUCCESS"} 1' in text
    assert 'mjbridge_queue_depth{account="a1"} 5' in text
    assert 'mjbridge_discord_rate_limited_total{account="a1"} 3' in text
    assert "mjbridge_notify_failures_total 4" in text
