"""Every knob of the simulator in one mutable dataclass.

Defaults follow the captured behaviour of real Discord and the Midjourney bot. Behaviour the
references mark as unverified is a knob here rather than a hard-coded choice. A running
``Simulator`` reads its config on every use, so tests may change fields while it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

InteractionRouting = Literal["session", "all"]
SuccessOrder = Literal["after_first_message", "before_first_message"]
JobMode = Literal["fast", "relaxed", "turbo"]

DEFAULT_HEARTBEAT_INTERVAL_MS = 41250
DEFAULT_PROGRESS_STEPS = (0, 15, 31, 46, 62, 78, 93)
ERROR_RED = 16711680  # 0xFF0000, the colour proxies key on
NOTICE_ORANGE = 16239475  # 0xF7CB73, "Job queued"
ONE_DAY_SECONDS = 86400


@dataclass(slots=True)
class SimConfig:
    # --- gateway -------------------------------------------------------------------------
    heartbeat_interval_ms: int = DEFAULT_HEARTBEAT_INTERVAL_MS
    # close a socket that sent no heartbeat for interval * factor (None = never)
    heartbeat_timeout_factor: float | None = 2.0
    heartbeat_timeout_close_code: int = 4009
    max_gateway_payload_bytes: int = 4096  # larger client sends close with 4002
    gateway_send_limit: int = 120  # client sends per window, more close with 4008
    gateway_send_window_seconds: float = 60.0
    replay_buffer_size: int = 2000  # dispatches kept per session for RESUME
    session_resume_ttl_seconds: float = 300.0  # a detached session can be resumed this long
    reconnect_close_delay_seconds: float = 1.0  # op 7, then close 4000 if the client stays
    # --- REST ----------------------------------------------------------------------------
    # who gets INTERACTION_* and ephemeral messages: the session named in the request, or every
    # session of the user (unverified on real Discord)
    interaction_routing: InteractionRouting = "session"
    success_order: SuccessOrder = "after_first_message"
    # a button press must send message_flags equal to the target message's flags (64 for
    # ephemeral messages), as every working proxy does; Discord's own check is unverified
    check_message_flags: bool = True
    dedupe_nonces: bool = True  # a re-used nonce is accepted (204) but starts nothing
    bot_ack_deadline_seconds: float = 3.0  # bot silent this long -> INTERACTION_FAILURE reason 2
    bot_times_out: bool = False  # every interaction ends in INTERACTION_FAILURE reason 2
    rest_requests_per_second: int = 50  # per token, over that 429 (global false, scope user)
    # --- CDN -----------------------------------------------------------------------------
    cdn_url_ttl_seconds: int = ONE_DAY_SECONDS
    cdn_require_signature: bool = True  # unsigned/badly signed/expired attachment URLs -> 404
    # --- Midjourney bot ------------------------------------------------------------------
    start_delay_seconds: float = 0.1  # "Waiting to start" -> first progress frame
    progress_delay_seconds: float = 0.2  # between progress frames
    progress_steps: tuple[int, ...] = DEFAULT_PROGRESS_STEPS
    first_progress_image_percent: int = 15  # frames below this carry no preview image
    max_concurrent_jobs: int = 3
    max_queued_jobs: int = 10
    default_mode: JobMode = "fast"
    stealth: bool = False  # "(fast, stealth)"
    high_variability: bool = True  # V1-V4 are "Variations (Strong)" (else Subtle)
    settings_suffix: str = ""  # appended to every prompt like /settings or /prefer suffix do
    start_message_type: int = 20  # CHAT_INPUT_COMMAND (type 0 in 2023 v6 captures)
    ephemeral_progress: bool = False  # Waiting/progress messages flags 64 with Cancel Job
    ephemeral_errors: bool = False  # error/notice embeds flags 64
    nonce_on_component_jobs: bool = False  # "Waiting to start" of V/zoom/pan carries the nonce
    interaction_metadata_on_results: bool = (
        False  # final result messages carry interaction_metadata
    )
    modern_decorations: bool = False  # 2025+: "(Open on website for full quality)" + "-# ..." line
    component_ids: bool = True  # integer "id" on every component (current Discord)
    video_buttons: bool = False  # Animate (High/Low motion) row on upscaled images
    error_color: int = ERROR_RED
    notice_color: int = NOTICE_ORANGE
    grid_long_side: int = 1024  # grid PNG size for --ar 1:1
    upscale_long_side: int = 1024  # "Image #n" PNG size
    progress_preview_side: int = 256
