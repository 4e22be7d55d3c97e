"""Baidu general text translation (``fanyi-api.baidu.com``), zh → en.

Request: form-urlencoded POST ``from, to, appid, salt, q, sign`` with
``sign = md5(appid + q + salt + secret)`` (lower-case hex, ``q`` as UTF-8 before encoding).
Answer: ``{"from", "to", "trans_result": [{"src", "dst"}, ...]}`` with one entry per input line,
or ``{"error_code", "error_msg"}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import TypedDict, cast

import httpx

from mjcore.errors import TranslateError
from mjcore.translate.prompt import has_chinese

log = logging.getLogger(__name__)

BAIDU_TRANSLATE_URL = "https://fanyi-api.baidu.com/api/trans/vip/translate"
SOURCE_LANGUAGE = "zh"
TARGET_LANGUAGE = "en"
# Some answers carry error_code "52000" together with a result: that code means success.
SUCCESS_CODE = "52000"
# Codes worth another try: 52001 timeout, 52002 system error, 54003 access frequency limited.
RETRYABLE_CODES = frozenset({"52001", "52002", "54003"})
# Baidu's standard tier allows one query per second; back off a little more than that.
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (1.1, 2.2)
_SALT_LOW = 10_000
_SALT_SPAN = 90_000


class BaiduTranslation(TypedDict):
    src: str
    dst: str


BaiduResponse = TypedDict(
    "BaiduResponse",
    {
        "from": str,
        "to": str,
        "trans_result": list[BaiduTranslation],
        "error_code": "str | int",
        "error_msg": str,
    },
    total=False,
)


class BaiduTranslateError(TranslateError):
    """Baidu answered with an ``error_code``."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def sign(appid: str, q: str, salt: str, secret: str) -> str:
    """The request signature: lower-case hex MD5 of ``appid + q + salt + secret``."""
    return hashlib.md5(
        (appid + q + salt + secret).encode("utf-8"), usedforsecurity=False
    ).hexdigest()


def random_salt() -> str:
    """A random five-digit salt."""
    return str(_SALT_LOW + secrets.randbelow(_SALT_SPAN))


class BaiduTranslator:
    """Translates Chinese to English through the Baidu translate API.

    Text without Chinese is returned as is, without a request. Line breaks are kept: Baidu
    translates line by line and the ``dst`` lines are joined with ``"\\n"``. Transient errors
    (timeouts, rate limiting) are retried after ``retry_delays``; everything else raises
    :class:`~mjcore.errors.TranslateError`.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        appid: str,
        secret: str,
        url: str = BAIDU_TRANSLATE_URL,
        salt_factory: Callable[[], str] = random_salt,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    ) -> None:
        self._client = client
        self._appid = appid
        self._secret = secret
        self._url = url
        self._salt_factory = salt_factory
        self._retry_delays = tuple(retry_delays)

    def __repr__(self) -> str:
        return f"BaiduTranslator(appid={self._appid!r}, url={self._url!r})"

    async def translate(self, text: str) -> str:
        if not has_chinese(text):
            return text
        for delay in self._retry_delays:
            try:
                return await self._request(text)
            except BaiduTranslateError as exc:
                if exc.code not in RETRYABLE_CODES:
                    raise
                log.warning("baidu translate busy [code:%s]; retrying in %.1fs", exc.code, delay)
            await asyncio.sleep(delay)
        return await self._request(text)

    async def _request(self, text: str) -> str:
        salt = self._salt_factory()
        form = {
            "from": SOURCE_LANGUAGE,
            "to": TARGET_LANGUAGE,
            "appid": self._appid,
            "salt": salt,
            "q": text,
            "sign": sign(self._appid, text, salt, self._secret),
        }
        try:
            response = await self._client.post(self._url, data=form)
            response.raise_for_status()
            body = response.json()
        except httpx.HTTPStatusError as exc:
            raise TranslateError(
                f"baidu translate answered HTTP {exc.response.status_code}"
            ) from exc
        except httpx.HTTPError as exc:
            raise TranslateError(f"baidu translate request failed: {exc!r}") from exc
        except ValueError as exc:
            raise TranslateError("baidu translate answered with invalid JSON") from exc
        return _result_text(body)


def _result_text(body: object) -> str:
    if not isinstance(body, dict):
        raise TranslateError("baidu translate answered with an unexpected payload")
    payload = cast(BaiduResponse, body)
    code = payload.get("error_code")
    if code is not None and str(code) != SUCCESS_CODE:
        message = payload.get("error_msg", "")
        raise BaiduTranslateError(f"baidu translate error {code}: {message}", code=str(code))
    results = payload.get("trans_result")
    if not isinstance(results, list) or not results:
        raise TranslateError("baidu translate answered without trans_result")
    try:
        return "\n".join(str(item["dst"]) for item in results)
    except (KeyError, TypeError) as exc:
        raise TranslateError("baidu translate answered with a malformed trans_result") from exc
