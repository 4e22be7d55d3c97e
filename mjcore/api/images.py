"""Images given in request bodies: base64 decoded and checked with Pillow before the engine runs.

Every problem becomes a ``ValidationError`` naming the field (contract code 4), so no task is
stored for input that cannot be sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from mjcore.errors import ValidationError
from mjcore.media import decode_data_url, inspect_image

log = logging.getLogger(__name__)


def checked_image(value: str, field: str) -> bytes:
    """The image bytes of a data URL (or bare base64) after a full decode check."""
    try:
        data = decode_data_url(value)
        inspect_image(data)
    except ValidationError as exc:
        raise ValidationError(f"{field}: {exc.message}") from exc
    except Exception as exc:  # Pillow raises many types for hostile files; all mean "undecodable"
        log.info("image refused [field:%s] %s: %s", field, type(exc).__name__, exc)
        raise ValidationError(
            f"{field}: image cannot be decoded (png, jpeg, webp or gif expected)"
        ) from exc
    return data


def checked_images(values: Sequence[str], field: str) -> list[bytes]:
    return [checked_image(value, f"{field}[{i}]") for i, value in enumerate(values)]
