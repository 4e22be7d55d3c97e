"""REST faults on POST /interactions: 429s are waited out, 500 bursts retried, then given up."""

from __future__ import annotations

import itertools
from pathlib import Path

from mjcore.discord.rest import HTTP_SERVER_ERROR, HTTP_TOO_MANY_REQUESTS
from mjcore.models import SubmitCode, TaskStatus
from mjcore.sim.rest import RequestRecord
from tests.integration.conftest import Stack, running_stack
from tests.integration.resilience.helpers import (
    WAIT,
    assert_finished_with_own_job,
)

RETRY_AFTER = 0.5
INTERACTIONS = "/interactions"
NO_CONTENT = 204
RETRY_BOUND = 5  # DiscordRest's default max_retries: one try plus five retries
GIVE_UP_WAIT = 30.0  # five backoff delays of at most 0.5 + 1 + 2 + 4 + 8 seconds


def interaction_posts(stack: Stack) -> list[RequestRecord]:
    return [r for r in stack.sim.requests if r.method == "POST" and r.path.endswith(INTERACTIONS)]


async def test_rate_limited_interaction_waits_retry_after_then_succeeds(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        [acct] = stack.sim_accounts
        rest = stack.engine.accounts[acct.channel_id].rest
        stack.sim.faults.rate_limit(2, retry_after=RETRY_AFTER, path_contains=INTERACTIONS)
        result = await stack.engine.submit_imagine("a windmill in a field")
        assert result.code is SubmitCode.SUCCESS
        task = await stack.wait_final(result.result or "", timeout=WAIT)

        assert_finished_with_own_job(stack, task)
        posts = interaction_posts(stack)
        assert [p.status for p in posts] == [HTTP_TOO_MANY_REQUESTS] * 2 + [NO_CONTENT]
        assert posts[-1].nonce == task.nonce
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(posts)]
        assert all(gap >= RETRY_AFTER for gap in gaps), gaps
        assert rest.rate_limited == 2


async def test_a_burst_of_server_errors_is_retried(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        stack.sim.faults.server_error(3, path_contains=INTERACTIONS)
        result = await stack.engine.submit_imagine("a tram in the fog")
        task = await stack.wait_final(result.result or "", timeout=WAIT)

        assert_finished_with_own_job(stack, task)
        posts = interaction_posts(stack)
        assert [p.status for p in posts] == [HTTP_SERVER_ERROR] * 3 + [NO_CONTENT]
        assert posts[-1].nonce == task.nonce
        assert len(stack.sim.jobs) == 1


async def test_more_server_errors_than_the_retry_bound_fail_the_task(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        stack.sim.faults.server_error(RETRY_BOUND + 2, path_contains=INTERACTIONS)
        result = await stack.engine.submit_imagine("a ferry at night")
        task = await stack.wait_final(result.result or "", timeout=GIVE_UP_WAIT)

        assert task.status is TaskStatus.FAILURE
        assert task.fail_reason is not None and "HTTP 500" in task.fail_reason
        posts = interaction_posts(stack)
        assert [p.status for p in posts] == [HTTP_SERVER_ERROR] * (RETRY_BOUND + 1)
        assert stack.sim.jobs == []
        # the account is still usable: the next task goes through once the errors are over
        stack.sim.faults.http.clear()
        after = await stack.engine.submit_imagine("a ferry at dawn")
        assert_finished_with_own_job(
            stack, await stack.wait_final(after.result or "", timeout=WAIT)
        )
