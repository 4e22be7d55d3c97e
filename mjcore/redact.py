"""Keep secrets out of logs: a logging filter that masks every registered secret.

Modules never log tokens on purpose; this catches the accidents (an exception message that
quotes a header, a URL with a key). Register each secret once it is known.
"""

from __future__ import annotations

import logging

MASK = "***"
_MIN_SECRET_LENGTH = 6  # shorter strings would mask ordinary words


class SecretFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET_LENGTH:
                self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


secret_filter = SecretFilter()


def install(handler: logging.Handler | None = None) -> None:
    """Attach the filter to ``handler`` or to every handler of the root logger."""
    handlers = [handler] if handler is not None else logging.getLogger().handlers
    for h in handlers:
        if secret_filter not in h.filters:
            h.addFilter(secret_filter)
