"""Settings: the only module that reads the environment (and ``.env``).

Every key is listed in ``.env.example``; the names are part of the deployment contract.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mjcore.errors import ValidationError
from mjcore.models import AccountConfig, AccountMode
from mjcore.pool import ChooseRule

log = logging.getLogger(__name__)

DISCORD_SERVER = "https://discord.com"
DISCORD_WSS = "wss://gateway.discord.gg"
DISCORD_CDN = "https://cdn.discordapp.com"
DISCORD_UPLOAD_SERVER = "https://discord-attachments-uploads-prd.storage.googleapis.com"
DISCORD_SAYS_SERVER = "https://936929561302675456.discordsays.com"
BAIDU_URL = "https://fanyi-api.baidu.com/api/trans/vip/translate"
MODAL_TIMEOUT_SECONDS = 600.0  # how long a MODAL task waits for /submit/modal
PROGRESS_WRITE_SECONDS = 1.0  # how long a running task's progress may stay unwritten

_WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
_ACCOUNT_KEYS = frozenset(AccountConfig.__dataclass_fields__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    host: str = Field("127.0.0.1", alias="MJ_HOST")
    port: int = Field(8080, alias="MJ_PORT")
    api_secret: SecretStr = Field(SecretStr(""), alias="MJ_API_SECRET")
    data_dir: Path = Field(Path("./data"), alias="MJ_DATA_DIR")
    store: str = Field("", alias="MJ_STORE")
    public_url: str = Field("", alias="MJ_PUBLIC_URL")
    accounts_json: str = Field("", alias="MJ_ACCOUNTS")
    accounts_file: str = Field("", alias="MJ_ACCOUNTS_FILE")
    discord_server: str = Field(DISCORD_SERVER, alias="MJ_DISCORD_SERVER")
    discord_wss: str = Field(DISCORD_WSS, alias="MJ_DISCORD_WSS")
    discord_cdn: str = Field(DISCORD_CDN, alias="MJ_DISCORD_CDN")
    discord_upload_server: str = Field(DISCORD_UPLOAD_SERVER, alias="MJ_DISCORD_UPLOAD_SERVER")
    discord_says_server: str = Field(DISCORD_SAYS_SERVER, alias="MJ_DISCORD_SAYS_SERVER")
    proxy: str = Field("", alias="MJ_PROXY")
    notify_hook: str = Field("", alias="MJ_NOTIFY_HOOK")
    translate: Literal["none", "baidu"] = Field("none", alias="MJ_TRANSLATE")
    baidu_appid: str = Field("", alias="MJ_BAIDU_APPID")
    baidu_secret: SecretStr = Field(SecretStr(""), alias="MJ_BAIDU_SECRET")
    baidu_url: str = Field(BAIDU_URL, alias="MJ_BAIDU_URL")
    banned_words_file: str = Field("", alias="MJ_BANNED_WORDS_FILE")
    account_choose_rule: ChooseRule = Field(
        ChooseRule.BEST_WAIT_IDLE, alias="MJ_ACCOUNT_CHOOSE_RULE"
    )
    auto_appeal: bool = Field(False, alias="MJ_AUTO_APPEAL")
    modal_timeout: float = Field(
        MODAL_TIMEOUT_SECONDS, alias="MJ_MODAL_TIMEOUT", gt=0, allow_inf_nan=False
    )
    trigger_callback_url: str = Field("", alias="MJ_TRIGGER_CALLBACK_URL")
    token_image_prefix: str = Field("", alias="MJ_TOKEN_IMAGE_PREFIX")
    token_admin_secret: SecretStr | None = Field(None, alias="MJ_TOKEN_ADMIN_SECRET")
    tg_bot_token: SecretStr = Field(SecretStr(""), alias="TG_BOT_TOKEN")
    tg_api_server: str = Field("https://api.telegram.org", alias="TG_API_SERVER")
    tg_admin_ids: str = Field("", alias="TG_ADMIN_IDS")
    tg_webhook_url: str = Field("", alias="TG_WEBHOOK_URL")

    @field_validator(
        "discord_server",
        "discord_wss",
        "discord_cdn",
        "discord_upload_server",
        "discord_says_server",
        "public_url",
        "tg_api_server",
        mode="after",
    )
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def effective_public_url(self) -> str:
        """MJ_PUBLIC_URL, else this host (a wildcard bind address is not a place to link to)."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in _WILDCARD_HOSTS else self.host
        return f"http://{host}:{self.port}"

    @property
    def admin_ids(self) -> frozenset[int]:
        return frozenset(int(p) for p in self.tg_admin_ids.replace(" ", "").split(",") if p)

    def load_accounts(self) -> list[AccountConfig]:
        """Accounts from ``MJ_ACCOUNTS`` and ``MJ_ACCOUNTS_FILE`` (both may be set)."""
        entries: list[Any] = []
        if self.accounts_json.strip():
            entries.extend(_parse_account_list(self.accounts_json, "MJ_ACCOUNTS"))
        if self.accounts_file.strip():
            text = Path(self.accounts_file).read_text(encoding="utf-8")
            entries.extend(_parse_account_list(text, "MJ_ACCOUNTS_FILE"))
        return [account_from_mapping(entry) for entry in entries]


def _parse_account_list(text: str, source: str) -> list[Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{source} is not valid JSON: {exc.msg}") from exc
    if not isinstance(data, list):
        raise ValidationError(f"{source} must be a JSON list of accounts")
    return data


def account_from_mapping(entry: Any) -> AccountConfig:
    """Build an AccountConfig from one JSON object; unknown keys are ignored with a warning."""
    if not isinstance(entry, dict):
        raise ValidationError("each account must be a JSON object")
    unknown = sorted(set(entry) - _ACCOUNT_KEYS)
    if unknown:
        log.warning("ignoring unknown account keys %s", unknown)
    for key in ("channel_id", "guild_id", "user_token"):
        if not str(entry.get(key) or "").strip():
            raise ValidationError(f"account is missing {key}")
    values = {k: v for k, v in entry.items() if k in _ACCOUNT_KEYS}
    try:
        for key in ("channel_id", "guild_id", "user_token", "name", "user_agent", "dm_channel_id"):
            if values.get(key) is not None:
                values[key] = str(values[key])
        for key in ("core_size", "queue_size", "weight", "daily_limit"):
            if key in values:
                values[key] = int(values[key])
        for key in ("timeout_minutes", "pace_min_seconds", "pace_max_seconds"):
            if key in values:
                values[key] = float(values[key])
        if "mode" in values:
            values["mode"] = AccountMode(str(values["mode"]).lower())
        for key in ("remix_auto_submit", "enabled"):
            if key in values:
                values[key] = bool(values[key])
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"invalid account value: {exc}") from exc
    if values.get("core_size", 1) < 1 or values.get("queue_size", 0) < 0:
        raise ValidationError("core_size must be >= 1 and queue_size >= 0")
    if values.get("timeout_minutes", 1.0) <= 0:
        raise ValidationError("timeout_minutes must be positive")
    if values.get("pace_min_seconds", 0) < 0 or values.get("pace_max_seconds", 0) < 0:
        raise ValidationError("pacing must not be negative")
    if values.get("daily_limit", 0) < 0 or values.get("weight", 0) < 0:
        raise ValidationError("daily_limit and weight must not be negative")
    return AccountConfig(**values)


def account_to_mapping(config: AccountConfig) -> dict[str, Any]:
    """The JSON object ``account_from_mapping`` reads back (includes the token: store only)."""
    values = {key: getattr(config, key) for key in sorted(_ACCOUNT_KEYS)}
    values["mode"] = config.mode.value
    return values
