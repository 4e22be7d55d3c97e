"""Gateway faults in the middle of a task: RESUME, op 7, op 9, zombie connections, 4004."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest

from mjcore.accounts import AccountState
from mjcore.discord.gateway import GatewayState
from mjcore.models import SubmitCode, TaskStatus
from tests.integration.conftest import Stack, running_stack
from tests.integration.resilience.helpers import (
    WAIT,
    assert_finished_with_own_job,
    gateway_fault_config,
    wait_in_flight,
    wait_until,
)

SIM_GATEWAY_LOG = "mjcore.sim.gateway"
CLIENT_GATEWAY_LOG = "mjcore.discord.gateway"
STORM_WINDOW = 2.0  # seconds in which a reconnect loop would show itself several times
RESUMED_LOG = re.compile(
    r"gateway resumed \[session:(?P<session>\w+) from:(?P<start>\d+) to:(?P<end>\d+)\]"
)


def replays(caplog: pytest.LogCaptureFixture, session_id: str) -> list[int]:
    """How many buffered events the simulator replayed on each RESUME of ``session_id``."""
    counts = []
    for record in caplog.records:
        if record.name != SIM_GATEWAY_LOG:
            continue
        found = RESUMED_LOG.fullmatch(record.getMessage())
        if found is not None and found["session"] == session_id:
            counts.append(int(found["end"]) - int(found["start"]))
    return counts


def disconnects(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The engine's own account of each lost socket: the plan (resume/identify) and the cause."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == CLIENT_GATEWAY_LOG and "gateway disconnected" in record.getMessage()
    ]


def buffered_nonces(stack: Stack, session_id: str) -> set[str]:
    """Nonces of the INTERACTION_CREATE events the simulator dispatched to one session."""
    session = stack.sim.hub.sessions[session_id]
    return {
        str(p["d"].get("nonce"))
        for p in session.buffer
        if p["t"] == "INTERACTION_CREATE" and isinstance(p["d"], dict)
    }


async def test_dropped_connection_mid_task_resumes_and_replays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SIM_GATEWAY_LOG)
    caplog.set_level(logging.INFO, logger=CLIENT_GATEWAY_LOG)
    async with running_stack(tmp_path, sim_config=gateway_fault_config()) as stack:
        [acct] = stack.sim_accounts
        gateway = stack.engine.accounts[acct.channel_id].gateway
        session_id = gateway.session_id
        assert session_id is not None
        stack.sim.faults.pause_bot()
        result = await stack.engine.submit_imagine("a lantern on a pier")
        assert result.code is SubmitCode.SUCCESS
        await wait_in_flight(stack, result.result or "")

        stack.sim.faults.drop_connections(acct)
        await wait_until(lambda: stack.sim.hub.sessions[session_id].connection is None)
        # the job runs on while the socket is down; its events wait in the session buffer
        stack.sim.faults.resume_bot()
        task = await stack.wait_final(result.result or "", timeout=WAIT)

        assert_finished_with_own_job(stack, task)
        assert gateway.session_id == session_id
        assert gateway.reconnects == 1
        assert gateway.connected
        [replayed] = replays(caplog, session_id)
        assert replayed > 0
        assert [s for s in stack.sim.hub.sessions.values() if s.user_id == acct.user_id] == [
            stack.sim.hub.sessions[session_id]
        ]


async def test_reconnect_request_mid_task_resumes_the_same_session(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SIM_GATEWAY_LOG)
    caplog.set_level(logging.INFO, logger=CLIENT_GATEWAY_LOG)
    async with running_stack(tmp_path, sim_config=gateway_fault_config()) as stack:
        [acct] = stack.sim_accounts
        gateway = stack.engine.accounts[acct.channel_id].gateway
        session_id = gateway.session_id
        assert session_id is not None
        stack.sim.faults.pause_bot()
        result = await stack.engine.submit_imagine("a kite over dunes")
        await wait_in_flight(stack, result.result or "")

        stack.sim.faults.send_reconnect(acct)
        await wait_until(lambda: gateway.reconnects == 1)
        stack.sim.faults.resume_bot()
        task = await stack.wait_final(result.result or "", timeout=WAIT)

        assert_finished_with_own_job(stack, task)
        await wait_until(lambda: gateway.connected)
        assert gateway.session_id == session_id
        assert gateway.reconnects == 1
        [lost] = disconnects(caplog)
        assert "resume" in lost and "op 7" in lost
        assert len(replays(caplog, session_id)) == 1


async def test_invalid_session_identifies_anew_and_uses_the_new_session(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=CLIENT_GATEWAY_LOG)
    async with running_stack(tmp_path, sim_config=gateway_fault_config()) as stack:
        [acct] = stack.sim_accounts
        gateway = stack.engine.accounts[acct.channel_id].gateway
        old_session = gateway.session_id
        assert old_session is not None
        stack.sim.faults.pause_bot()
        first = await stack.engine.submit_imagine("a fox in the snow")
        first_task, _ = await wait_in_flight(stack, first.result or "")
        assert first_task.nonce in buffered_nonces(stack, old_session)

        stack.sim.faults.invalidate_session(acct, resumable=False)
        await wait_until(
            lambda: gateway.connected and gateway.session_id not in (None, old_session)
        )
        new_session = gateway.session_id
        assert new_session is not None
        assert not stack.sim.hub.sessions[old_session].valid
        stack.sim.faults.resume_bot()
        done = await stack.wait_final(first.result or "", timeout=WAIT)
        assert_finished_with_own_job(stack, done)

        # later interactions carry the new real session id: with session routing the
        # simulator sends INTERACTION_CREATE only to the session named in the request
        assert stack.sim.config.interaction_routing == "session"
        second = await stack.engine.submit_imagine("a fox in the rain")
        later = await stack.wait_final(second.result or "", timeout=WAIT)
        assert_finished_with_own_job(stack, later)
        assert later.nonce in buffered_nonces(stack, new_session)
        assert later.nonce not in buffered_nonces(stack, old_session)
        assert later.interaction_id is not None
        assert gateway.reconnects == 1
        [lost] = disconnects(caplog)
        assert "identify" in lost


async def test_missing_heartbeat_acks_are_detected_and_the_task_completes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SIM_GATEWAY_LOG)
    caplog.set_level(logging.INFO, logger=CLIENT_GATEWAY_LOG)
    async with running_stack(tmp_path, sim_config=gateway_fault_config()) as stack:
        [acct] = stack.sim_accounts
        gateway = stack.engine.accounts[acct.channel_id].gateway
        session_id = gateway.session_id
        assert session_id is not None
        stack.sim.faults.pause_bot()
        result = await stack.engine.submit_imagine("a lighthouse at dusk")
        await wait_in_flight(stack, result.result or "")

        stack.sim.faults.stop_heartbeat_acks(acct)
        await wait_until(lambda: gateway.reconnects == 1)
        stack.sim.faults.resume_heartbeat_acks(acct)
        stack.sim.faults.resume_bot()
        task = await stack.wait_final(result.result or "", timeout=WAIT)

        assert_finished_with_own_job(stack, task)
        await wait_until(lambda: gateway.connected)
        assert gateway.session_id == session_id
        assert gateway.reconnects == 1
        assert len(replays(caplog, session_id)) == 1
        [lost] = disconnects(caplog)
        assert "resume" in lost and "heartbeat not acknowledged" in lost


def user_sessions(stack: Stack, user_id: str) -> int:
    return sum(s.user_id == user_id for s in stack.sim.hub.sessions.values())


def connections_opened(caplog: pytest.LogCaptureFixture) -> int:
    """Every websocket the simulator accepted (any account) while the log was captured."""
    return sum(
        r.name == SIM_GATEWAY_LOG and r.getMessage().startswith("gateway connection opened")
        for r in caplog.records
    )


async def test_authentication_failure_disables_one_account_and_the_pool_carries_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=SIM_GATEWAY_LOG)
    one_slot = [{"core_size": 1}, {"core_size": 1}]
    config = gateway_fault_config()
    async with running_stack(
        tmp_path, accounts=2, sim_config=config, account_overrides=one_slot
    ) as stack:
        stack.sim.faults.pause_bot()
        # one slot per account: BestWaitIdle puts one task on each
        results = [await stack.engine.submit_imagine(f"a red barn {i}") for i in range(2)]
        assert [r.code for r in results] == [SubmitCode.SUCCESS] * 2
        in_flight = [await wait_in_flight(stack, r.result or "") for r in results]
        by_account = {task.account_id: task for task, _ in in_flight}
        bad, good = stack.sim_accounts
        assert set(by_account) == {bad.channel_id, good.channel_id}
        bad_runtime = stack.engine.accounts[bad.channel_id]
        good_runtime = stack.engine.accounts[good.channel_id]

        opened_before = connections_opened(caplog)
        assert opened_before == 2  # the counter sees both accounts' sockets
        good_reconnects_before = good_runtime.gateway.reconnects
        stack.sim.faults.close_gateway(bad, 4004, "Authentication failed.")
        failed = await stack.wait_final(by_account[bad.channel_id].id, timeout=WAIT)

        assert failed.status is TaskStatus.FAILURE
        assert failed.fail_reason is not None and "4004" in failed.fail_reason
        assert bad_runtime.state is AccountState.DISABLED
        assert bad_runtime.reason is not None
        assert "4004" in bad_runtime.reason and "authentication failed" in bad_runtime.reason
        assert bad_runtime.gateway.state is GatewayState.FAILED
        health = (await stack.api.get("/health")).json()
        states = {a["id"]: (a["state"], a["reason"]) for a in health["accounts"]}
        assert states[bad.channel_id] == ("DISABLED", bad_runtime.reason)
        assert states[good.channel_id] == ("READY", None)
        assert health["status"] == "UP"

        # the running task of the healthy account is untouched and completes
        stack.sim.faults.resume_bot()
        kept = await stack.wait_final(by_account[good.channel_id].id, timeout=WAIT)
        assert_finished_with_own_job(stack, kept)
        # later submits all go to the healthy account and succeed
        later = [await stack.engine.submit_imagine(f"a green barn {i}") for i in range(3)]
        assert {r.code for r in later} <= {SubmitCode.SUCCESS, SubmitCode.IN_QUEUE}
        for r in later:
            task = await stack.wait_final(r.result or "", timeout=WAIT)
            assert task.account_id == good.channel_id
            assert_finished_with_own_job(stack, task)

        # no reconnect storm: nothing reconnects the disabled account
        await asyncio.sleep(STORM_WINDOW)
        # (a loaded machine may make the healthy account reconnect now and then: that is allowed)
        good_reconnects = good_runtime.gateway.reconnects - good_reconnects_before
        assert connections_opened(caplog) - opened_before <= good_reconnects
        assert bad_runtime.gateway.reconnects == 0
        assert user_sessions(stack, bad.user_id) == 1
        assert stack.sim.hub.live_connections(bad.user_id) == []
        assert bad_runtime.gateway.reconnects == 0
        assert good_runtime.gateway.reconnects == 0

        # with only the disabled account left a submit is refused with a clear contract error
        stack.sim.faults.close_gateway(good, 4004, "Authentication failed.")
        await wait_until(lambda: good_runtime.state is AccountState.DISABLED)
        answer = (await stack.api.post("/mj/submit/imagine", json={"prompt": "a blue barn"})).json()
        assert answer["code"] == SubmitCode.NOT_FOUND
        assert answer["result"] is None
        assert "no account" in answer["description"]
        health = (await stack.api.get("/health")).json()
        assert health["status"] == "DOWN"
        assert {a["state"] for a in health["accounts"]} == {"DISABLED"}
        assert all(t.is_final for t in await stack.engine.list(limit=100))


async def test_result_posted_while_identifying_anew_still_finishes_the_task(
    tmp_path: Path,
) -> None:
    # a near-instant job, so it ends well inside the reconnect delay (0.5 s at least)
    config = gateway_fault_config(start_delay_seconds=0.001, progress_delay_seconds=0.001)
    short_timeout = [{"timeout_minutes": 0.1}]
    async with running_stack(tmp_path, sim_config=config, account_overrides=short_timeout) as stack:
        [acct] = stack.sim_accounts
        gateway = stack.engine.accounts[acct.channel_id].gateway
        old_session = gateway.session_id
        stack.sim.faults.pause_bot()
        result = await stack.engine.submit_imagine("a fox under the moon")
        await wait_in_flight(stack, result.result or "")

        stack.sim.faults.invalidate_session(acct, resumable=False)
        await wait_until(lambda: not gateway.connected)
        stack.sim.faults.resume_bot()
        await stack.sim.wait_idle(WAIT)
        assert not gateway.connected  # the result went out while no session listened
        await wait_until(lambda: gateway.connected)
        assert gateway.session_id != old_session

        task = await stack.wait_final(result.result or "", timeout=WAIT)
        assert_finished_with_own_job(stack, task)


async def test_task_submitted_while_identifying_anew_waits_for_the_new_session(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path, sim_config=gateway_fault_config()) as stack:
        [acct] = stack.sim_accounts
        gateway = stack.engine.accounts[acct.channel_id].gateway
        stack.sim.faults.invalidate_session(acct, resumable=False)
        await wait_until(lambda: not gateway.connected)
        assert gateway.session_id is None  # the next socket identifies anew

        result = await stack.engine.submit_imagine("a heron in the reeds")
        assert result.code is SubmitCode.SUCCESS
        task = await stack.wait_final(result.result or "", timeout=WAIT)

        assert_finished_with_own_job(stack, task)
        assert task.nonce in buffered_nonces(stack, gateway.session_id or "")
