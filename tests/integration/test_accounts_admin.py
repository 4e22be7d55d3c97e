"""Managing the account pool over REST; changes persist across restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mjcore.accounts import AccountState
from mjcore.engine import Engine
from mjcore.store.sqlite import SqliteTaskStore
from tests.integration.actions_helpers import run
from tests.integration.conftest import Stack, account_for, endpoints_for, running_stack

SECRET = "admin-secret"
AUTH = {"mj-api-secret": SECRET}


async def wait_state(stack: Stack, account_id: str, state: str, timeout: float = 10.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            account = (await stack.api.get(f"/mj/account/{account_id}/fetch", headers=AUTH)).json()
            if account.get("state") == state:
                return account
            await asyncio.sleep(0.05)


async def test_create_disable_enable_reconnect_delete(tmp_path: Path) -> None:
    async with running_stack(tmp_path, api_secret=SECRET) as stack:
        extra = stack.sim.add_account(name="extra")
        body = {
            "name": "extra",
            "channel_id": extra.channel_id,
            "guild_id": extra.guild_id,
            "user_token": extra.token,
            "core_size": 2,
        }
        denied = await stack.api.post(
            "/mj/admin/account", json=body, headers={"mj-api-secret": "wrong"}
        )
        assert denied.status_code == 401
        created = (await stack.api.post("/mj/admin/account", json=body, headers=AUTH)).json()
        assert created["code"] == 1
        assert extra.token not in str(created)
        await wait_state(stack, extra.channel_id, "READY")
        listed = (await stack.api.get("/mj/account/list", headers=AUTH)).json()
        assert {a["id"] for a in listed} == {a.channel_id for a in stack.sim_accounts} | {
            extra.channel_id
        }
        assert all("user_token" not in a and "token" not in str(a).lower() for a in listed)

        disabled = (
            await stack.api.post(f"/mj/admin/account/{extra.channel_id}/disable", headers=AUTH)
        ).json()
        assert disabled["result"]["state"] == "DISABLED"
        # work only goes to enabled accounts
        for _ in range(3):
            task = await run(stack.api, "/mj/submit/imagine", {"prompt": "a moth"})
            assert task["properties"]["discordInstanceId"] != extra.channel_id

        await stack.api.post(f"/mj/admin/account/{extra.channel_id}/enable", headers=AUTH)
        await wait_state(stack, extra.channel_id, "READY")
        await stack.api.post(f"/mj/admin/account/{extra.channel_id}/reconnect", headers=AUTH)
        await wait_state(stack, extra.channel_id, "READY")

        deleted = await stack.api.delete(f"/mj/admin/account/{extra.channel_id}", headers=AUTH)
        assert deleted.json()["code"] == 1
        gone = await stack.api.get(f"/mj/account/{extra.channel_id}/fetch", headers=AUTH)
        assert gone.status_code == 404
        missing = await stack.api.delete(f"/mj/admin/account/{extra.channel_id}", headers=AUTH)
        assert missing.json()["code"] == 3


async def test_admin_needs_a_configured_secret(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        response = await stack.api.post("/mj/admin/account", json={})
        assert response.status_code == 403
        assert "MJ_API_SECRET" in response.json()["description"]


async def test_bad_account_body_is_a_clear_error(tmp_path: Path) -> None:
    async with running_stack(tmp_path, api_secret=SECRET) as stack:
        response = await stack.api.post(
            "/mj/admin/account", json={"channel_id": "1", "guild_id": "2"}, headers=AUTH
        )
        assert response.status_code == 200
        assert response.json()["code"] == 4
        assert "user_token" in response.json()["description"]


async def test_account_changes_survive_a_restart(tmp_path: Path) -> None:
    async with running_stack(tmp_path, accounts=2, api_secret=SECRET) as stack:
        first, second = stack.sim_accounts
        await stack.api.post(f"/mj/admin/account/{first.channel_id}/disable", headers=AUTH)
        await stack.api.delete(f"/mj/admin/account/{second.channel_id}", headers=AUTH)
        sim = stack.sim
        # the same database, the same configured accounts, a new engine
        async with SqliteTaskStore(tmp_path / "tasks.db") as store:
            engine = Engine(
                store=store,
                accounts=[account_for(first), account_for(second)],
                endpoints=endpoints_for(sim),
            )
            async with engine:
                assert set(engine.accounts) == {first.channel_id}
                assert engine.accounts[first.channel_id].state is AccountState.DISABLED


async def test_health_and_metrics_report_accounts_and_tasks(tmp_path: Path) -> None:
    async with running_stack(tmp_path, accounts=2) as stack:
        task = await run(stack.api, "/mj/submit/imagine", {"prompt": "a heron"})
        assert task["status"] == "SUCCESS"
        health = (await stack.api.get("/health")).json()
        assert health["status"] == "UP"
        assert {a["state"] for a in health["accounts"]} == {"READY"}
        assert all("queued" in a and "running" in a for a in health["accounts"])
        text = (await stack.api.get("/metrics")).text
        assert 'mjbridge_task_transitions_total{action="IMAGINE",status="SUCCESS"} 1' in text
        assert "mjbridge_task_start_to_finish_seconds_count 1" in text
        for account in stack.sim_accounts:
            assert f'mjbridge_account_up{{account="{account.channel_id}"}} 1' in text


async def test_info_and_mode_switching(tmp_path: Path) -> None:
    async with running_stack(tmp_path, api_secret=SECRET) as stack:
        account = stack.sim_accounts[0].channel_id
        info = (await stack.api.get(f"/mj/admin/account/{account}/info")).json()
        assert info["code"] == 1, info
        assert info["result"]["Job Mode"] == "Fast"
        assert "Fast Time Remaining" in info["result"]
        switched = (
            await stack.api.post(f"/mj/admin/account/{account}/mode", json={"mode": "relax"})
        ).json()
        assert switched["code"] == 1 and switched["description"].startswith("Done!")
        info = (await stack.api.get(f"/mj/admin/account/{account}/info")).json()
        assert info["result"]["Job Mode"] == "Relaxed"
        fetched = (await stack.api.get(f"/mj/account/{account}/fetch")).json()
        assert fetched["mode"] == "relax"
        task = await run(stack.api, "/mj/submit/imagine", {"prompt": "a slow snail"})
        assert task["status"] == "SUCCESS"
        assert "(relaxed)" in task["properties"]["messageContent"]
        bad = await stack.api.post(f"/mj/admin/account/{account}/mode", json={"mode": "warp"})
        assert bad.status_code == 400


async def test_configured_relax_mode_is_applied_on_connect(tmp_path: Path) -> None:
    async with running_stack(tmp_path, account_overrides=[{"mode": "relax"}]) as stack:
        task = await run(stack.api, "/mj/submit/imagine", {"prompt": "a patient tortoise"})
        assert "(relaxed)" in task["properties"]["messageContent"]


async def test_niji_bot_type(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        task = await run(
            stack.api, "/mj/submit/imagine", {"prompt": "a fox spirit", "botType": "NIJI_JOURNEY"}
        )
        assert task["status"] == "SUCCESS", task
        assert task["properties"]["botType"] == "NIJI_JOURNEY"
        job = stack.sim.job_for_nonce(task["properties"]["nonce"])
        assert job is not None and job.job_id == task["properties"]["messageHash"]
