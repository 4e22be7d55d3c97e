from __future__ import annotations

import io
import logging

from mjcore.redact import MASK, SecretFilter


def test_registered_secrets_never_reach_the_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    secrets = SecretFilter()
    secrets.add("MTAx.token.value", None, "abc")  # too short to be masked safely
    handler.addFilter(secrets)
    log = logging.getLogger("test.redact")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("header was %s", "Authorization: MTAx.token.value")
        try:
            raise RuntimeError("bad token MTAx.token.value")
        except RuntimeError:
            log.exception("failed for abc")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "MTAx.token.value" not in text
    assert text.count(MASK) >= 2  # the message and the exception (and its source line)
    assert "failed for abc" in text
