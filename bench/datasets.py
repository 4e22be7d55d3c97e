"""Large task stores for the store and memory benchmarks, generated once and kept under /tmp.

Rows are finished tasks shaped like the engine's own (a SUCCESS imagine carries its nine buttons,
Discord ids and image URL), saved in large batches as ``mjbridge serve`` saves them: with the
stored view of finished tasks for the public URL ``PUBLIC_URL`` (the store benchmark's server
is given that URL). A store counts as complete once its ``bench``/``rows`` key is written.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from mjcore.api.deps import finished_task_view
from mjcore.config import DISCORD_CDN
from mjcore.models import Button, Task, TaskAction, TaskStatus
from mjcore.store.sqlite import SqliteTaskStore

log = logging.getLogger(__name__)

BATCH_ROWS = 50_000
KV_NAMESPACE = "bench"
KV_ROWS = "rows"
BASE_SUBMIT_MS = 1_760_000_000_000
SUBMIT_SPACING_MS = 37
JOB_MS = 45_000
ACCOUNTS = tuple(str(1_300_000_000_000_000_100 + i) for i in range(20))
SUBJECTS = ("a lighthouse at dusk", "a paper boat on a pond", "a fox in the snow", "a glass city")
# The address the stored views link images to; a server given another one renders every row.
PUBLIC_URL = "http://127.0.0.1:8080"
# Part of the file name: a store written in an older shape is generated again.
FORMAT = 3
_SEED = 20_240_601


def task_id(n: int) -> str:
    """The id of row ``n``, in the engine's format (submit milliseconds + 3 digits)."""
    return f"{BASE_SUBMIT_MS + n * SUBMIT_SPACING_MS}{n % 1000:03d}"


def _grid_buttons(job: str) -> tuple[Button, ...]:
    upscale = [Button(f"MJ::JOB::upsample::{i}::{job}", label=f"U{i}") for i in range(1, 5)]
    reroll = [Button(f"MJ::JOB::reroll::0::{job}::SOLO", emoji="🔄")]
    variation = [Button(f"MJ::JOB::variation::{i}::{job}", label=f"V{i}") for i in range(1, 5)]
    return (*upscale, *reroll, *variation)


def _upscale_buttons(job: str) -> tuple[Button, ...]:
    return (
        Button(f"MJ::JOB::upsample_v7_2x_subtle::1::{job}::SOLO", label="Upscale (Subtle)"),
        Button(f"MJ::JOB::upsample_v7_2x_creative::1::{job}::SOLO", label="Upscale (Creative)"),
        Button(f"MJ::JOB::low_variation::1::{job}::SOLO", label="Vary (Subtle)"),
        Button(f"MJ::JOB::high_variation::1::{job}::SOLO", label="Vary (Strong)"),
        Button(f"MJ::Outpaint::50::1::{job}::SOLO", label="Zoom Out 2x", emoji="🔍"),
        Button(f"MJ::BOOKMARK::{job}", emoji="❤️"),
    )


def stored_task(n: int, rng: random.Random) -> Task:
    """Row ``n``: 90 % SUCCESS, 8 % FAILURE, 2 % CANCEL; 70 % imagine, 20 % upscale, 10 % V."""
    submit = BASE_SUBMIT_MS + n * SUBMIT_SPACING_MS
    roll = rng.random()
    action = (
        TaskAction.IMAGINE
        if roll < 0.7
        else TaskAction.UPSCALE
        if roll < 0.9
        else TaskAction.VARIATION
    )
    prompt = f"{SUBJECTS[n % len(SUBJECTS)]} {n} --ar 3:2 --v 7"
    account = ACCOUNTS[n % len(ACCOUNTS)]
    base = Task(
        id=task_id(n),
        action=action,
        prompt=prompt,
        prompt_en=prompt,
        description=f"/imagine {prompt}",
        submit_time=submit,
        start_time=submit + 120,
        account_id=account,
        nonce=str(1_400_000_000_000_000_000 + 3 * n),
        interaction_id=str(1_400_000_000_000_000_001 + 3 * n),
        progress_message_id=str(1_400_000_000_000_000_002 + 3 * n),
    )
    status_roll = rng.random()
    if status_roll < 0.02:
        return _finish(base, TaskStatus.CANCEL, progress="")
    if status_roll < 0.10:
        return _finish(
            base,
            TaskStatus.FAILURE,
            fail_reason="[Invalid parameter] Unrecognized parameter(s): `--bogus`",
        )
    job = str(uuid.UUID(int=n + 1))
    url = (
        f"https://cdn.discordapp.com/attachments/{account}/{1_500_000_000_000_000_000 + n}/"
        f"bench_{job}.png?ex=6512a3c0&is=65115240&hm={job.replace('-', '')}&"
    )
    buttons = _grid_buttons(job) if action is not TaskAction.UPSCALE else _upscale_buttons(job)
    return _finish(
        base,
        TaskStatus.SUCCESS,
        progress="100%",
        image_url=url,
        discord_image_url=url,
        buttons=buttons,
        message_id=str(1_600_000_000_000_000_000 + n),
        message_hash=job,
        message_content=f"**{prompt}** - <@1125350768803848263> (fast)",
        final_prompt=prompt,
        image_width=2048,
        image_height=1366,
    )


def _finish(task: Task, status: TaskStatus, **fields: object) -> Task:
    values = {name: getattr(task, name) for name in task.__dataclass_fields__}
    values.update(status=status, finish_time=task.submit_time + JOB_MS, **fields)
    return Task(**values)


def _tasks(count: int) -> Iterator[Task]:
    rng = random.Random(_SEED)
    for n in range(count):
        yield stored_task(n, rng)


async def _complete(path: Path, rows: int) -> bool:
    if not _exists(path):
        return False
    async with SqliteTaskStore(path) as store:
        return await store.kv_get(KV_NAMESPACE, KV_ROWS) == str(rows)


def _exists(path: Path) -> bool:
    return path.exists()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def ensure_store(path: Path, rows: int) -> float:
    """A store at ``path`` holding ``rows`` finished tasks; returns seconds spent generating."""
    if await _complete(path, rows):
        return 0.0
    _remove(path)
    started = time.monotonic()
    log.info("generating %d stored tasks [path:%s]", rows, path)
    async with SqliteTaskStore(path) as store:
        await store.use_view(finished_task_view(PUBLIC_URL, DISCORD_CDN))
        source = _tasks(rows)
        written = 0
        while written < rows:
            batch = [next(source) for _ in range(min(BATCH_ROWS, rows - written))]
            await store.save_many(batch)
            written += len(batch)
        await store.kv_put(KV_NAMESPACE, KV_ROWS, str(rows))
    return time.monotonic() - started


def sample_ids(rows: int, count: int, rng: random.Random) -> list[str]:
    """``count`` distinct ids of stored rows, picked at random."""
    return [task_id(n) for n in rng.sample(range(rows), count)]
