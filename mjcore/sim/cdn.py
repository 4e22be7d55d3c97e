"""CDN downloads, cloud-upload PUTs and the discordsays (Vary Region) endpoint.

Attachment URLs handed out use the REAL hosts (``https://cdn.discordapp.com``,
``https://media.discordapp.net``, ``https://discord-attachments-uploads-prd.storage.googleapis.com``)
with signed ``?ex=<hex>&is=<hex>&hm=<64 hex>&`` queries; clients rewrite the host prefix to reach
the simulator, which serves the same paths.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from mjcore.sim.config import SimConfig
from mjcore.sim.images import image_size
from mjcore.sim.state import Json, SimState, StoredFile

log = logging.getLogger(__name__)

CDN_HOST = "https://cdn.discordapp.com"
MEDIA_HOST = "https://media.discordapp.net"
UPLOAD_HOST = "https://discord-attachments-uploads-prd.storage.googleapis.com"
DISCORDSAYS_HOST = "https://936929561302675456.discordsays.com"
GONE_TEXT = "This content is no longer available."

InpaintHandler = Callable[[str, Json], Awaitable[tuple[int, Json]]]


class CdnSigner:
    """Signs and checks ``ex``/``is``/``hm`` attachment queries."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._secret = secrets.token_bytes(32)

    def _digest(self, path: str, ex: str, issued: str) -> str:
        message = f"{path}?ex={ex}&is={issued}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def query(self, path: str) -> str:
        issued = int(time.time())
        ex = f"{issued + self.config.cdn_url_ttl_seconds:x}"
        is_hex = f"{issued:x}"
        return f"ex={ex}&is={is_hex}&hm={self._digest(path, ex, is_hex)}&"

    def valid(self, path: str, ex: str | None, issued: str | None, hm: str | None) -> bool:
        if not self.config.cdn_require_signature:
            return True
        if not (ex and issued and hm):
            return False
        try:
            expires = int(ex, 16)
        except ValueError:
            return False
        if expires < time.time():
            return False
        return hmac.compare_digest(self._digest(path, ex, issued), hm)


class Cdn:
    def __init__(self, state: SimState, config: SimConfig) -> None:
        self.state = state
        self.config = config
        self.signer = CdnSigner(config)
        self.inpaint_handler: InpaintHandler | None = None

    # --- files -----------------------------------------------------------------------------
    def add_file(
        self,
        folder_id: str,
        filename: str,
        data: bytes,
        content_type: str,
        *,
        ephemeral: bool = False,
        job_id: str | None = None,
        dimensions: tuple[int, int] | None = None,
    ) -> StoredFile:
        stored = StoredFile(
            attachment_id=self.state.snowflakes.next(),
            folder_id=folder_id,
            filename=filename,
            data=data,
            content_type=content_type,
            ephemeral=ephemeral,
            job_id=job_id,
            dimensions=dimensions or image_size(data),
        )
        self.state.files[stored.attachment_id] = stored
        return stored

    def path_of(self, stored: StoredFile) -> str:
        kind = "ephemeral-attachments" if stored.ephemeral else "attachments"
        return f"/{kind}/{stored.folder_id}/{stored.attachment_id}/{quote(stored.filename)}"

    def url_of(self, stored: StoredFile, host: str = CDN_HOST) -> str:
        path = self.path_of(stored)
        return f"{host}{path}?{self.signer.query(path)}"

    def attachment(self, stored: StoredFile) -> Json:
        """The Discord attachment object for ``stored``."""
        payload: Json = {
            "id": stored.attachment_id,
            "filename": stored.filename,
            "size": len(stored.data),
            "url": self.url_of(stored),
            "proxy_url": self.url_of(stored, MEDIA_HOST),
            "content_type": stored.content_type,
        }
        if stored.dimensions is not None:
            payload["width"], payload["height"] = stored.dimensions
        if stored.ephemeral:
            payload["ephemeral"] = True
        return payload

    def expire(self, target: str) -> int:
        """Expire files by URL (any host) or job id; returns how many were expired."""
        count = 0
        for stored in self.state.files.values():
            by_job = stored.job_id == target
            by_url = f"/{stored.attachment_id}/" in target
            if by_job or by_url:
                stored.expired = True
                count += 1
        return count

    # --- routes ----------------------------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        return [
            Route(
                "/attachments/{folder}/{attachment}/{filename}",
                self.download,
                methods=["GET", "HEAD"],
            ),
            Route(
                "/ephemeral-attachments/{folder}/{attachment}/{filename}",
                self.download,
                methods=["GET", "HEAD"],
            ),
            Route("/inpaint/api/submit-job", self.inpaint_legacy, methods=["POST"]),
            Route("/.proxy/inpaint/api/submit-job/{token}", self.inpaint_proxy, methods=["POST"]),
            Route("/{upload_id}/{filename}", self.upload, methods=["PUT"]),
        ]

    async def download(self, request: Request) -> Response:
        params = request.path_params
        stored = self.state.files.get(params["attachment"])
        ephemeral = request.url.path.startswith("/ephemeral-attachments/")
        found = (
            stored is not None
            and not stored.expired
            and stored.folder_id == params["folder"]
            and stored.filename == params["filename"]
            and stored.ephemeral == ephemeral
        )
        if stored is None or not found:
            return PlainTextResponse(GONE_TEXT, status_code=404)
        query = request.query_params
        if not self.signer.valid(
            self.path_of(stored), query.get("ex"), query.get("is"), query.get("hm")
        ):
            return PlainTextResponse(GONE_TEXT, status_code=404)
        headers = {"Cache-Control": "public, max-age=31536000", "Accept-Ranges": "bytes"}
        return Response(stored.data, media_type=stored.content_type, headers=headers)

    async def upload(self, request: Request) -> Response:
        key = f"{request.path_params['upload_id']}/{request.path_params['filename']}"
        pending = self.state.uploads.get(key)
        if pending is None or request.query_params.get("upload_id") is None:
            return PlainTextResponse("No such upload.", status_code=404)
        pending.data = await request.body()
        pending.content_type = request.headers.get("content-type", pending.content_type)
        log.debug("upload stored [upload:%s bytes:%d]", key, len(pending.data))
        return Response(status_code=200)

    async def inpaint_legacy(self, request: Request) -> Response:
        body = await _json_body(request)
        custom_id = str(body.get("customId", ""))
        return await self._inpaint(custom_id, body)

    async def inpaint_proxy(self, request: Request) -> Response:
        body = await _json_body(request)
        return await self._inpaint(request.path_params["token"], body)

    async def _inpaint(self, token: str, body: Json) -> Response:
        if self.inpaint_handler is None:
            return JSONResponse({"error": "unavailable"}, status_code=503)
        status, answer = await self.inpaint_handler(token, body)
        return JSONResponse(answer, status_code=status)


async def _json_body(request: Request) -> Json:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
