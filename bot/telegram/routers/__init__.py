"""One router per feature; ``feature_routers()`` lists them in the order they must run."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.routers import admin, buttons, history, imagine, settings, start_help, uploads

__all__ = ["feature_routers"]


def feature_routers() -> list[Router]:
    """Fresh routers (a router can belong to one dispatcher only)."""
    return [
        admin.create_router(),
        start_help.create_router(),
        settings.create_router(),
        history.create_router(),
        buttons.create_router(),
        uploads.create_router(),
        imagine.create_router(),
    ]
