"""Settings of the compat routers, passed in by the composition root (no env reading here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_TOKEN_LIMIT_MESSAGE = "调用次数达到限制，请联系管理员"
DEFAULT_CALLBACK_TIMEOUT_SECONDS = 30.0
DEFAULT_CALLBACK_ATTEMPTS = 3
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CompatOptions:
    """Knobs of the three compat APIs.

    ``trigger_callback_url``: where the trigger API (``/v1/api/trigger``) pushes its callbacks
    (the original's ``CALLBACK_URL``); ``None`` sends none.
    ``image_url_prefix``: put in front of the Discord URL in the token API's ``images[].url``
    (the original's image proxy); ``None`` hands out our own durable image link instead.
    ``token_admin_secret``: secret ``/midjourney/create_token`` needs (header ``mj-api-secret`` or
    query ``secret``); ``None`` uses the REST API secret, ``""`` leaves token creation open.
    ``upload_dir``: where uploaded files are kept; ``None`` puts them next to the image store.
    """

    trigger_callback_url: str | None = None
    image_url_prefix: str | None = None
    token_admin_secret: str | None = None
    token_limit_message: str = DEFAULT_TOKEN_LIMIT_MESSAGE
    upload_dir: Path | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    callback_timeout_seconds: float = DEFAULT_CALLBACK_TIMEOUT_SECONDS
    callback_attempts: int = DEFAULT_CALLBACK_ATTEMPTS
