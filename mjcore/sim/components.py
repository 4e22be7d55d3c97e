"""Button rows of Midjourney messages, exactly as captured (custom ids, labels, emoji, styles).

Row layout of the v6/v7 upscaled-image message is not in any capture (the 2026 capture lists
labels and custom ids only); the layout here keeps at most five buttons per row.
"""

from __future__ import annotations

from mjcore.sim.state import Json

ROW = 1
BUTTON = 2
STYLE_PRIMARY = 1
STYLE_SECONDARY = 2
STYLE_SUCCESS = 3
STYLE_DANGER = 4
STYLE_LINK = 5
TEXT_INPUT = 4
TEXT_SHORT = 1
TEXT_PARAGRAPH = 2
UPSCALE_EMOJI = {"name": "upscale_1", "id": "1228055479734337606"}
WEB_JOB_URL = "https://www.midjourney.com/jobs/{job_id}"
PAN_EMOJI = {"left": "⬅️", "right": "➡️", "up": "⬆️", "down": "⬇️"}
# family -> (custom id action, label) for the two upscale buttons
UPSCALE_BUTTONS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "v7": (
        ("upsample_v7_2x_subtle", "Upscale (Subtle)"),
        ("upsample_v7_2x_creative", "Upscale (Creative)"),
    ),
    "v6r1": (
        ("upsample_v6r1_2x_subtle", "Upscale (Subtle)"),
        ("upsample_v6r1_2x_creative", "Upscale (Creative)"),
    ),
    "v6": (
        ("upsample_v6_2x_subtle", "Upscale (Subtle)"),
        ("upsample_v6_2x_creative", "Upscale (Creative)"),
    ),
    "v5": (("upsample_v5_2x", "Upscale (2x)"), ("upsample_v5_4x", "Upscale (4x)")),
}


def button(
    custom_id: str,
    *,
    label: str | None = None,
    emoji: str | Json | None = None,
    style: int = STYLE_SECONDARY,
) -> Json:
    payload: Json = {"type": BUTTON, "style": style}
    if label is not None:
        payload["label"] = label
    if emoji is not None:
        payload["emoji"] = {"name": emoji} if isinstance(emoji, str) else dict(emoji)
    payload["custom_id"] = custom_id
    return payload


def link_button(label: str, url: str) -> Json:
    return {"type": BUTTON, "style": STYLE_LINK, "label": label, "url": url}


def row(*components: Json) -> Json:
    return {"type": ROW, "components": list(components)}


def grid_rows(job_id: str) -> list[Json]:
    """U1-U4 + 🔄, V1-V4 (imagine, variation, reroll, zoom, pan and blend results)."""
    upscales = [button(f"MJ::JOB::upsample::{i}::{job_id}", label=f"U{i}") for i in range(1, 5)]
    reroll = button(f"MJ::JOB::reroll::0::{job_id}::SOLO", emoji="🔄")
    variations = [button(f"MJ::JOB::variation::{i}::{job_id}", label=f"V{i}") for i in range(1, 5)]
    return [row(*upscales, reroll), row(*variations)]


def _vary_buttons(job_id: str) -> list[Json]:
    return [
        button(f"MJ::JOB::low_variation::1::{job_id}::SOLO", label="Vary (Subtle)", emoji="🪄"),
        button(f"MJ::JOB::high_variation::1::{job_id}::SOLO", label="Vary (Strong)", emoji="🪄"),
        button(f"MJ::Inpaint::1::{job_id}::SOLO", label="Vary (Region)", emoji="🖌️"),
    ]


def _zoom_buttons(job_id: str) -> list[Json]:
    return [
        button(f"MJ::Outpaint::50::1::{job_id}::SOLO", label="Zoom Out 2x", emoji="🔍"),
        button(f"MJ::Outpaint::75::1::{job_id}::SOLO", label="Zoom Out 1.5x", emoji="🔍"),
        button(f"MJ::CustomZoom::{job_id}", label="Custom Zoom", emoji="🔍"),
    ]


def _video_buttons(job_id: str) -> list[Json]:
    return [
        button(
            f"MJ::JOB::animate_high::1::{job_id}::SOLO", label="Animate (High motion)", emoji="🎞️"
        ),
        button(f"MJ::JOB::animate_low::1::{job_id}::SOLO", label="Animate (Low motion)", emoji="🎞️"),
    ]


def _pan_row(job_id: str) -> Json:
    return row(
        *(
            button(f"MJ::JOB::pan_{direction}::1::{job_id}::SOLO", emoji=emoji)
            for direction, emoji in PAN_EMOJI.items()
        )
    )


def _bookmark_row(job_id: str) -> Json:
    return row(
        button(f"MJ::BOOKMARK::{job_id}", emoji="❤️"),
        link_button("Web", WEB_JOB_URL.format(job_id=job_id)),
    )


def upscaled_rows(
    job_id: str, family: str, *, video: bool, with_upscale: bool = True
) -> list[Json]:
    """Buttons under an "Image #n" (or upscaled) result for the model family of its prompt."""
    (sub_id, sub_label), (cre_id, cre_label) = UPSCALE_BUTTONS[family]
    upscale = [
        button(f"MJ::JOB::{sub_id}::1::{job_id}::SOLO", label=sub_label, emoji=UPSCALE_EMOJI),
        button(f"MJ::JOB::{cre_id}::1::{job_id}::SOLO", label=cre_label, emoji=UPSCALE_EMOJI),
    ]
    zoom = _zoom_buttons(job_id) + (_video_buttons(job_id) if video else [])
    if family == "v5":
        rows = [row(*upscale)] if with_upscale else []
        return [
            *rows,
            row(*_vary_buttons(job_id)),
            row(*zoom),
            _pan_row(job_id),
            _bookmark_row(job_id),
        ]
    first = (upscale if with_upscale else []) + _vary_buttons(job_id)
    return [row(*first), row(*zoom), _pan_row(job_id), _bookmark_row(job_id)]


def cancel_row(job_id: str) -> Json:
    return row(button(f"MJ::CancelJob::ByJobid::{job_id}", label="Cancel Job", style=STYLE_DANGER))


def text_input_row(custom_id: str, label: str, value: str, *, style: int = TEXT_PARAGRAPH) -> Json:
    return row(
        {
            "type": TEXT_INPUT,
            "custom_id": custom_id,
            "style": style,
            "label": label,
            "value": value,
            "required": True,
            "min_length": 1,
            "max_length": 4000,
        }
    )


def number_components(rows: list[Json]) -> list[Json]:
    """Add the sequential integer ``id`` current Discord puts on every component."""
    counter = 0
    for container in rows:
        counter += 1
        container["id"] = counter
        for component in container.get("components", []):
            counter += 1
            component["id"] = counter
    return rows


def custom_ids(rows: list[Json]) -> list[str]:
    return [c["custom_id"] for r in rows for c in r.get("components", []) if "custom_id" in c]


def mark_used(rows: list[Json], custom_id: str) -> bool:
    """Turn the button with ``custom_id`` primary (style 1); True when something changed."""
    for r in rows:
        for component in r.get("components", []):
            if component.get("custom_id") == custom_id and component.get("style") != STYLE_PRIMARY:
                component["style"] = STYLE_PRIMARY
                return True
    return False
