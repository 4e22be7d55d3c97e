"""``/mj/account/*`` (read) and ``/mj/admin/account*`` (manage; needs MJ_API_SECRET set)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from mjcore.accounts import AccountRuntime
from mjcore.api.deps import EngineDep
from mjcore.api.responses import ErrorResponse
from mjcore.config import account_from_mapping
from mjcore.models import AccountMode, SubmitCode

router = APIRouter(tags=["accounts"])


def require_admin(request: Request) -> None:
    """Managing accounts is only possible when the API is protected by a secret."""
    if not request.app.state.api_secret:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the admin API needs MJ_API_SECRET to be set"
        )


admin = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class AccountModel(BaseModel):
    """An account as the API shows it (never its token)."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    guildId: str
    channelId: str
    dmChannelId: str | None = None
    userAgent: str
    enable: bool
    state: str = Field(..., examples=["READY", "CONNECTING", "DISABLED"])
    reason: str | None = None
    coreSize: int
    queueSize: int
    timeoutMinutes: float
    mode: str = Field(..., examples=["fast", "relax", "turbo"])
    remixAutoSubmit: bool
    remix: bool
    weight: int
    paceMinSeconds: float
    paceMaxSeconds: float
    dailyLimit: int
    usedToday: int
    running: int
    queued: int


def account_json(runtime: AccountRuntime) -> dict[str, Any]:
    """An account as the API shows it: everything but the token."""
    c = runtime.config
    return {
        "id": c.id,
        "name": c.name,
        "guildId": c.guild_id,
        "channelId": c.channel_id,
        "dmChannelId": c.dm_channel_id,
        "userAgent": c.user_agent,
        "enable": c.enabled,
        "state": runtime.state.value,
        "reason": runtime.reason,
        "coreSize": c.core_size,
        "queueSize": c.queue_size,
        "timeoutMinutes": c.timeout_minutes,
        "mode": c.mode.value,
        "remixAutoSubmit": c.remix_auto_submit,
        "remix": runtime.remix,
        "weight": c.weight,
        "paceMinSeconds": c.pace_min_seconds,
        "paceMaxSeconds": c.pace_max_seconds,
        "dailyLimit": c.daily_limit,
        "usedToday": runtime.used_today,
        "running": runtime.running,
        "queued": runtime.waiting,
    }


def _not_found(account_id: str) -> JSONResponse:
    return JSONResponse(
        {"code": SubmitCode.NOT_FOUND, "description": f"account {account_id} not found"},
        status_code=404,
    )


@router.get("/account/list", response_model=list[AccountModel])
async def account_list(engine: EngineDep) -> list[dict[str, Any]]:
    return [account_json(r) for r in engine.accounts.values()]


@router.get(
    "/account/{account_id}/fetch",
    response_model=AccountModel,
    responses={404: {"model": ErrorResponse, "description": "unknown account (code 3)"}},
)
async def account_fetch(account_id: str, engine: EngineDep) -> dict[str, Any] | JSONResponse:
    runtime = engine.accounts.get(account_id)
    if runtime is None:
        return _not_found(account_id)
    return account_json(runtime)


@admin.post("/account")
async def account_put(body: dict[str, Any], engine: EngineDep) -> dict[str, Any]:
    """Create or update an account; the body uses the MJ_ACCOUNTS keys."""
    runtime = await engine.put_account(account_from_mapping(body))
    return {"code": SubmitCode.SUCCESS, "description": "Saved", "result": account_json(runtime)}


@admin.post("/account/{account_id}/enable")
async def account_enable(account_id: str, engine: EngineDep) -> dict[str, Any]:
    runtime = await engine.set_account_enabled(account_id, True)
    return {"code": SubmitCode.SUCCESS, "description": "Enabled", "result": account_json(runtime)}


@admin.post("/account/{account_id}/disable")
async def account_disable(account_id: str, engine: EngineDep) -> dict[str, Any]:
    runtime = await engine.set_account_enabled(account_id, False)
    return {"code": SubmitCode.SUCCESS, "description": "Disabled", "result": account_json(runtime)}


@admin.post("/account/{account_id}/reconnect")
async def account_reconnect(account_id: str, engine: EngineDep) -> dict[str, Any]:
    runtime = await engine.reconnect_account(account_id)
    return {
        "code": SubmitCode.SUCCESS,
        "description": "Reconnecting",
        "result": account_json(runtime),
    }


@admin.get("/account/{account_id}/info")
async def account_info(account_id: str, engine: EngineDep) -> dict[str, Any]:
    """Midjourney's ``/info`` for the account."""
    info = await engine.account_info(account_id)
    return {"code": SubmitCode.SUCCESS, "description": "Success", "result": info}


class ModeRequest(BaseModel):
    mode: AccountMode


@admin.post("/account/{account_id}/mode")
async def account_mode(account_id: str, body: ModeRequest, engine: EngineDep) -> dict[str, Any]:
    """Switch the account to fast, relax or turbo (``/fast``, ``/relax``, ``/turbo``)."""
    reply = await engine.switch_mode(account_id, body.mode)
    return {"code": SubmitCode.SUCCESS, "description": reply, "result": body.mode.value}


@admin.delete("/account/{account_id}")
async def account_delete(account_id: str, engine: EngineDep) -> dict[str, Any]:
    await engine.remove_account(account_id)
    return {"code": SubmitCode.SUCCESS, "description": "Deleted", "result": account_id}


router.include_router(admin)
