"""A local Baidu translate server for tests.

``FakeBaidu`` serves the ``/api/trans/vip/translate`` endpoint on 127.0.0.1 (free port) over
real HTTP. It checks the appid and the MD5 signature the way Baidu does, records every ``q`` it
receives and "translates" with a small zh→en dictionary (unknown characters are kept)::

    async with FakeBaidu() as baidu, httpx.AsyncClient() as client:
        translator = baidu.translator(client)
        assert await translator.translate("一只猫") == "a cat"
        assert baidu.received == ["一只猫"]
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mjcore.translate.baidu import BaiduTranslator, sign

PATH = "/api/trans/vip/translate"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
REQUIRED_FIELDS = ("q", "from", "to", "appid", "salt", "sign")
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.01

ERROR_EMPTY_PARAM = ("54000", "PARAM_FROM_TO_OR_Q_EMPTY")
ERROR_UNAUTHORIZED = ("52003", "UNAUTHORIZED USER")
ERROR_INVALID_SIGN = ("54001", "Invalid Sign")

DICTIONARY: Mapping[str, str] = {
    "一只": "a",
    "一个": "a",
    "一条": "a",
    "猫": "cat",
    "小猫": "kitten",
    "狗": "dog",
    "小狗": "puppy",
    "红色的": "red",
    "红色": "red",
    "蓝色的": "blue",
    "蓝色": "blue",
    "绿色的": "green",
    "黑色的": "black",
    "白色的": "white",
    "在月球上": "on the moon",
    "月球": "moon",
    "可爱的": "cute",
    "可爱": "cute",
    "美丽的": "beautiful",
    "女孩": "girl",
    "男孩": "boy",
    "花": "flower",
    "花园": "garden",
    "山": "mountain",
    "大海": "sea",
    "城市": "city",
    "夜晚": "night",
    "森林": "forest",
    "风格": "style",
    "赛博朋克": "cyberpunk",
    "油画": "oil painting",
    "水彩": "watercolor",
    "宇航员": "astronaut",
    "骑着马": "riding a horse",
    "马": "horse",
    "血": "blood",
    "和": "and",
    "的": "",
}
PUNCTUATION: Mapping[str, str] = {"，": ",", "。": ".", "、": ",", "！": "!", "？": "?", "：": ":"}


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def fake_translate(line: str, dictionary: Mapping[str, str] = DICTIONARY) -> str:
    """Word-by-word zh→en: longest dictionary match first, unknown runs kept as they are."""
    longest = max(map(len, dictionary), default=0)
    tokens: list[str] = []
    run = ""

    def flush() -> None:
        nonlocal run
        if run:
            tokens.append(run)
        run = ""

    position = 0
    while position < len(line):
        for size in range(min(longest, len(line) - position), 0, -1):
            english = dictionary.get(line[position : position + size])
            if english is not None:
                flush()
                if english:
                    tokens.append(english)
                position += size
                break
        else:
            char = line[position]
            position += 1
            if char.isspace():
                flush()
            elif char in PUNCTUATION:
                flush()
                if tokens:
                    tokens[-1] += PUNCTUATION[char]
                else:
                    tokens.append(PUNCTUATION[char])
            else:
                if run and _is_han(run[-1]) != _is_han(char):
                    flush()
                run += char
    flush()
    return " ".join(tokens)


class _Server(uvicorn.Server):
    """A uvicorn server that leaves the process' signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class FakeBaidu:
    """The Baidu translate endpoint on a free local port (async context manager)."""

    def __init__(
        self,
        *,
        appid: str = "fake-appid",
        secret: str = "fake-secret",
        dictionary: Mapping[str, str] | None = None,
    ) -> None:
        self.appid = appid
        self.secret = secret
        self.dictionary: dict[str, str] = {**DICTIONARY, **(dictionary or {})}
        self.received: list[str] = []
        self.forms: list[dict[str, str]] = []
        self._failures: list[tuple[str, str]] = []
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._port = 0

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeBaidu is not running")
        return f"http://127.0.0.1:{self._port}{PATH}"

    def fail_next(self, code: str, message: str, *, times: int = 1) -> None:
        """Answer the next ``times`` well-formed requests with ``error_code``."""
        self._failures.extend([(code, message)] * times)

    def translator(self, client: httpx.AsyncClient, **kwargs: Any) -> BaiduTranslator:
        """A BaiduTranslator pointed at this server with its credentials."""
        return BaiduTranslator(client, appid=self.appid, secret=self.secret, url=self.url, **kwargs)

    async def __aenter__(self) -> FakeBaidu:
        app = Starlette(routes=[Route(PATH, self._handle, methods=["GET", "POST"])])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            http="h11",
            ws="none",
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        try:
            async with asyncio.timeout(START_TIMEOUT):
                while not self._server.started:
                    if self._task.done():
                        await self._task
                        raise RuntimeError("FakeBaidu stopped while starting")
                    await asyncio.sleep(POLL_INTERVAL)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        await asyncio.wait_for(self._task, STOP_TIMEOUT)

    async def _handle(self, request: Request) -> JSONResponse:
        if request.method == "POST":
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith(FORM_CONTENT_TYPE):
                return _error(ERROR_EMPTY_PARAM)
            raw = (await request.body()).decode("utf-8")
        else:
            raw = request.url.query
        form = {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        self.forms.append(form)
        if "q" in form:
            self.received.append(form["q"])
        if any(not form.get(field) for field in REQUIRED_FIELDS):
            return _error(ERROR_EMPTY_PARAM)
        if form["appid"] != self.appid:
            return _error(ERROR_UNAUTHORIZED)
        if form["sign"] != sign(form["appid"], form["q"], form["salt"], self.secret):
            return _error(ERROR_INVALID_SIGN)
        if self._failures:
            return _error(self._failures.pop(0))
        results = [
            {"src": line, "dst": fake_translate(line, self.dictionary)}
            for line in form["q"].split("\n")
            if line.strip()
        ]
        return JSONResponse(
            {"from": form["from"], "to": form["to"], "trans_result": results},
        )


def _error(error: tuple[str, str]) -> JSONResponse:
    code, message = error
    return JSONResponse({"error_code": code, "error_msg": message})
