"""Errors raised by mjcore.

::

    MjError
    ├── ValidationError          bad input from a caller (contract code 4)
    ├── TaskNotFoundError        unknown task id (contract code 3)
    ├── TaskStateError           the task cannot do that now (contract code 4)
    ├── BannedPromptError        prompt hits the banned-word list (contract code 24)
    ├── NoAccountError           no enabled account can take the task (contract code 3)
    ├── QueueFullError           the chosen account's queue is full (contract code 23)
    ├── TranslateError           the translator failed
    └── DiscordError             Discord answered with an error
        ├── DiscordHTTPError     a REST call failed (status, Discord code, message)
        │   ├── DiscordRateLimitedError   429 that outlived the retry budget
        │   ├── DiscordAuthError          401/403: the token is bad or the account is locked
        │   └── CommandVersionError       400/50035 INTERACTION_APPLICATION_COMMAND_INVALID_VERSION
        ├── DiscordConnectionError        network failure talking to Discord
        └── GatewayClosedError            the gateway closed for good (e.g. 4004)
"""

from __future__ import annotations


class MjError(Exception):
    """Root of every mjcore error."""

    def __init__(
        self, message: str, *, task_id: str | None = None, account_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.task_id = task_id
        self.account_id = account_id


class ValidationError(MjError):
    pass


class TaskNotFoundError(MjError):
    pass


class TaskStateError(MjError):
    pass


class BannedPromptError(MjError):
    def __init__(self, message: str, *, banned_word: str, prompt_en: str) -> None:
        super().__init__(message)
        self.banned_word = banned_word
        self.prompt_en = prompt_en


class NoAccountError(MjError):
    pass


class QueueFullError(MjError):
    pass


class TranslateError(MjError):
    pass


class DiscordError(MjError):
    pass


class DiscordHTTPError(DiscordError):
    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | None = None,
        account_id: str | None = None,
    ) -> None:
        super().__init__(message, account_id=account_id)
        self.status = status
        self.code = code


class DiscordRateLimitedError(DiscordHTTPError):
    def __init__(self, message: str, *, retry_after: float, account_id: str | None = None) -> None:
        super().__init__(message, status=429, account_id=account_id)
        self.retry_after = retry_after


class DiscordAuthError(DiscordHTTPError):
    pass


class CommandVersionError(DiscordHTTPError):
    pass


class DiscordConnectionError(DiscordError):
    pass


class GatewayClosedError(DiscordError):
    def __init__(self, message: str, *, code: int | None, account_id: str | None = None) -> None:
        super().__init__(message, account_id=account_id)
        self.code = code
