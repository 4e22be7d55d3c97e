"""Benchmark 1: the pure event pipeline, parse → match → apply, on one core.

The event stream has the shape of recorded Discord captures (``tests/unit/fixtures/discord``):
per ``/imagine`` job INTERACTION_CREATE, "Waiting to start", INTERACTION_SUCCESS, one
MESSAGE_UPDATE per progress step, the result grid and the MESSAGE_DELETE of the progress
message — in the simulator's order. Jobs are interleaved round-robin and a new job is submitted
whenever one finishes, so exactly ``ACTIVE_TASKS`` tasks are active throughout. Each dispatch is
handled as ``AccountRuntime`` handles it; events are built before timing, in chunks. Time is
the CPU time of the benchmark's thread, so other load on the machine does not count.
"""

from __future__ import annotations

import cProfile
import io
import itertools
import json
import pstats
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Figure, at_least
from mjcore import lifecycle
from mjcore.events import TaskSubmitted
from mjcore.midjourney.active import ActiveTasks
from mjcore.midjourney.match import match
from mjcore.midjourney.parse import parse_event
from mjcore.models import Task, TaskAction, TaskStatus

NAME = "pipeline"
ACTIVE_TASKS = 1000
SLOT_TASKS = 3  # what one account holds active with the default core_size
EVENTS_FULL = 200_000
EVENTS_QUICK = 30_000
CHUNK_EVENTS = 20_000
TARGET_EVENTS_PER_SECOND = 20_000
PROGRESS_STEPS = (0, 15, 31, 46, 62, 78, 93)  # the simulator's default frames
FIRST_PREVIEW_PERCENT = 15
PROFILE_LINES = 25

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "unit" / "fixtures" / "discord"
USER_ID = "1125350768803848263"
CHANNEL_ID = "1125350000000000002"
# identifiers inside the fixtures, replaced per job
_WAIT_MESSAGE, _WAIT_NONCE, _WAIT_INTERACTION = (
    "1128446139352465408",
    "1128446136764334080",
    "1128446138870136832",
)
_WAIT_PROMPT = "anime ninja meditating"
_PROGRESS_UUID = "5545fc38-0922-45f4-9f99-6909ff74f645"
_RESULT_UUID = "89bd8e05-eda9-4d6e-9b77-1ef4293398ca"
_RESULT_ID, _RESULT_USER, _RESULT_CHANNEL = (
    "1118549876049973350",
    "1013250593877397634",
    "1116666992993259573",
)
_RESULT_PROMPT = "Sea, waves, background image, realistic."
_RESULT_FILE_PREFIX = "april39_Sea_waves_background_image_realistic._"
_SUBJECTS = ("lighthouse at dusk", "paper boat on a pond", "fox in the snow", "glass city")

Event = tuple[str, dict[str, Any]]


def now_ms() -> int:
    """Unix milliseconds, as the engine stamps events."""
    return int(time.time() * 1000)


def _fixture(name: str) -> str:
    return json.dumps(json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))["d"])


@dataclass(frozen=True, slots=True)
class _Templates:
    waiting: str
    progress: str
    result: str

    @classmethod
    def load(cls) -> _Templates:
        return cls(
            waiting=_fixture("imagine_waiting_v9"),
            progress=_fixture("imagine_progress"),
            result=_fixture("imagine_result_grid"),
        )


@dataclass(frozen=True, slots=True)
class _Job:
    number: int
    task_id: str
    nonce: str
    interaction_id: str
    progress_id: str
    result_id: str
    job_uuid: str
    prompt: str


def _snowflakes(start: int) -> Iterator[str]:
    return (str(n) for n in itertools.count(start))


class EventStream:
    """An endless stream of ("submit", task) and (dispatch name, data) items."""

    def __init__(self, active: int) -> None:
        self._templates = _Templates.load()
        self._ids = _snowflakes(1_300_000_000_000_000_000)
        self._numbers = itertools.count()
        self._active = active

    def _job(self) -> _Job:
        n = next(self._numbers)
        subject = _SUBJECTS[n % len(_SUBJECTS)]
        return _Job(
            number=n,
            task_id=f"bench{n:09d}",
            nonce=next(self._ids),
            interaction_id=next(self._ids),
            progress_id=next(self._ids),
            result_id=next(self._ids),
            job_uuid=str(uuid.UUID(int=n + 1)),
            prompt=f"{subject} number {n} --ar 3:2",
        )

    def _waiting(self, job: _Job) -> dict[str, Any]:
        text = (
            self._templates.waiting.replace(_WAIT_MESSAGE, job.progress_id)
            .replace(_WAIT_NONCE, job.nonce)
            .replace(_WAIT_INTERACTION, job.interaction_id)
            .replace(_WAIT_PROMPT, job.prompt)
        )
        data: dict[str, Any] = json.loads(text)
        return data

    def _progress(self, job: _Job, percent: int) -> dict[str, Any]:
        text = (
            self._templates.progress.replace(_WAIT_MESSAGE, job.progress_id)
            .replace(_WAIT_INTERACTION, job.interaction_id)
            .replace(_PROGRESS_UUID, job.job_uuid)
            .replace("anime ninja meditating", job.prompt)
            .replace("(31%)", f"({percent}%)")
        )
        data: dict[str, Any] = json.loads(text)
        if percent < FIRST_PREVIEW_PERCENT:
            data["attachments"] = []
        return data

    def _result(self, job: _Job) -> dict[str, Any]:
        text = (
            self._templates.result.replace(_RESULT_UUID, job.job_uuid)
            .replace(_RESULT_ID, job.result_id)
            .replace(_RESULT_USER, USER_ID)
            .replace(_RESULT_CHANNEL, CHANNEL_ID)
            .replace(_RESULT_FILE_PREFIX, "bench_user_")
            .replace(_RESULT_PROMPT, job.prompt)
            .replace("(relaxed)", "(fast)")
        )
        data: dict[str, Any] = json.loads(text)
        return data

    def _job_events(self, job: _Job) -> Iterator[tuple[str, Any]]:
        task = Task(
            id=job.task_id,
            action=TaskAction.IMAGINE,
            prompt=job.prompt,
            prompt_en=job.prompt,
            description=f"/imagine {job.prompt}",
            submit_time=now_ms(),
            account_id=CHANNEL_ID,
        )
        yield "submit", (task, job.nonce)
        pair = {"id": job.interaction_id, "nonce": job.nonce}
        yield "INTERACTION_CREATE", dict(pair)
        yield "MESSAGE_CREATE", self._waiting(job)
        yield "INTERACTION_SUCCESS", dict(pair)
        for percent in PROGRESS_STEPS:
            yield "MESSAGE_UPDATE", self._progress(job, percent)
        yield "MESSAGE_CREATE", self._result(job)
        yield "MESSAGE_DELETE", {"id": job.progress_id, "channel_id": CHANNEL_ID}

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        running: deque[Iterator[tuple[str, Any]]] = deque(
            self._job_events(self._job()) for _ in range(self._active)
        )
        while True:
            events = running.popleft()
            item = next(events, None)
            if item is None:  # this job is over: the next one takes its place
                events = self._job_events(self._job())
                item = next(events)
            running.append(events)
            yield item


@dataclass(slots=True)
class PipelineState:
    """What ``AccountRuntime`` keeps for matching: the active tasks, indexed."""

    active: ActiveTasks
    events: int = 0
    unmatched: int = 0
    succeeded: int = 0

    def submit(self, task: Task, nonce: str) -> None:
        self.active[task.id] = lifecycle.apply(task, TaskSubmitted(nonce, now_ms()))

    def handle(self, name: str, data: dict[str, Any]) -> None:
        """One dispatch as ``AccountRuntime._handle`` / ``_dispatch`` / ``_apply`` treat it."""
        self.events += 1
        msg = parse_event(name, data, self_user_id=USER_ID)
        if msg is None:
            self.unmatched += 1
            return
        found = match(msg, self.active, now=now_ms())
        if found is None:
            self.unmatched += 1
            return
        task = self.active[found.task_id]
        try:
            new = lifecycle.apply(task, found.event)
        except lifecycle.InvalidTransition:
            return
        self._keep(found.task_id, new)

    def handle_timed(self, name: str, data: dict[str, Any], spent: dict[str, float]) -> None:
        """``handle`` with the time of each step added to ``spent``."""
        self.events += 1
        t0 = time.thread_time()
        msg = parse_event(name, data, self_user_id=USER_ID)
        t1 = time.thread_time()
        spent["parse"] += t1 - t0
        if msg is None:
            self.unmatched += 1
            return
        found = match(msg, self.active, now=now_ms())
        t2 = time.thread_time()
        spent["match"] += t2 - t1
        if found is None:
            self.unmatched += 1
            return
        task = self.active[found.task_id]
        try:
            new = lifecycle.apply(task, found.event)
        except lifecycle.InvalidTransition:
            return
        finally:
            spent["apply"] += time.thread_time() - t2
        self._keep(found.task_id, new)

    def _keep(self, task_id: str, new: Task) -> None:
        if new.is_final:
            self.active.pop(task_id)
            if new.status is TaskStatus.SUCCESS:
                self.succeeded += 1
        else:
            self.active[task_id] = new


def _process(
    state: PipelineState, chunk: list[tuple[str, Any]], spent: dict[str, float] | None = None
) -> None:
    for name, data in chunk:
        if name == "submit":
            task, nonce = data
            state.submit(task, nonce)
        elif spent is None:
            state.handle(name, data)
        else:
            state.handle_timed(name, data, spent)


def run_pipeline(
    total_events: int,
    *,
    active: int = ACTIVE_TASKS,
    profile: bool = False,
    steps: dict[str, float] | None = None,
) -> tuple[PipelineState, float, str]:
    """Feed ``total_events`` dispatches with ``active`` tasks in flight; returns the state, the
    seconds spent in the pipeline and (``profile``) the cProfile listing. With ``steps`` each
    step's time is added to it (``parse``, ``match``, ``apply``)."""
    stream = iter(EventStream(active))
    state = PipelineState(active=ActiveTasks())
    # the first ACTIVE_TASKS submissions and their first events warm everything up, untimed
    _process(state, list(itertools.islice(stream, active * 2)))
    state.events = state.unmatched = state.succeeded = 0
    profiler = cProfile.Profile() if profile else None
    spent = 0.0
    while state.events < total_events:
        chunk = list(itertools.islice(stream, CHUNK_EVENTS))
        if profiler is not None:
            profiler.enable()
        started = time.thread_time()
        _process(state, chunk, steps)
        spent += time.thread_time() - started
        if profiler is not None:
            profiler.disable()
    text = ""
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(PROFILE_LINES)
        text = out.getvalue()
    return state, spent, text


async def run(*, quick: bool, workdir: Path, profile: bool = False) -> list[Figure]:
    total = EVENTS_QUICK if quick else EVENTS_FULL
    state, spent, profile_text = run_pipeline(total, profile=profile)
    if profile_text:
        (workdir / "pipeline.profile.txt").write_text(profile_text, "utf-8")
    rate = state.events / spent
    note = (
        f"{state.events:,} events, {ACTIVE_TASKS:,} active tasks, "
        f"{state.succeeded:,} jobs succeeded ({state.succeeded / spent:,.0f}/s)"
    )
    small, small_spent, _ = run_pipeline(total, active=SLOT_TASKS)
    steps = {"parse": 0.0, "match": 0.0, "apply": 0.0}
    timed, _, _ = run_pipeline(total, steps=steps)
    split = ", ".join(f"{k} {1e6 * v / timed.events:.1f} µs" for k, v in steps.items())
    return [
        Figure(
            NAME,
            "events/s, one core, 1,000 active tasks",
            rate,
            "events/s",
            at_least(TARGET_EVENTS_PER_SECOND),
            note,
        ),
        Figure(
            NAME,
            "time per event, 1,000 active tasks",
            1e6 * spent / state.events,
            "µs",
            note=f"per event: {split} (separate timed pass)",
        ),
        Figure(
            NAME,
            f"events/s, one core, {SLOT_TASKS} active tasks",
            small.events / small_spent,
            "events/s",
            note="one account's slots at core_size 3: the cost without scanning many tasks",
        ),
    ]
