"""DiscordRest against httpx.MockTransport: requests, retries, rate limits and error mapping."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from mjcore.discord.backoff import exponential_backoff
from mjcore.discord.rest import DiscordRest
from mjcore.errors import (
    CommandVersionError,
    DiscordAuthError,
    DiscordConnectionError,
    DiscordHTTPError,
    DiscordRateLimitedError,
)

TOKEN = "mfa.secret-user-token"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/146.0.0.0 Safari/537.36"
GCS = "https://discord-attachments-uploads-prd.storage.googleapis.com"
INTERACTION = {"type": 2, "nonce": "1", "channel_id": "42", "data": {"name": "imagine"}}
INVALID_VERSION_BODY = {
    "message": "Invalid Form Body",
    "code": 50035,
    "errors": {
        "data": {
            "_errors": [
                {
                    "code": "INTERACTION_APPLICATION_COMMAND_INVALID_VERSION",
                    "message": "This command is outdated, please try again in a few minutes",
                }
            ]
        }
    },
}


class Recorder:
    """Injected sleep that records delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


class Discord:
    """A scripted network edge: answers requests in order and keeps them."""

    def __init__(self, *responses: httpx.Response | Exception | Callable[..., httpx.Response]):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(answer, Exception):
            if isinstance(answer, httpx.RequestError):
                answer.request = request
            raise answer
        if callable(answer):
            return answer(request)
        return answer


@pytest.fixture
def sleeps() -> Recorder:
    return Recorder()


@pytest.fixture
async def make_rest(sleeps: Recorder):
    clients: list[httpx.AsyncClient] = []

    def build(discord: Discord, **kwargs) -> DiscordRest:
        client = httpx.AsyncClient(transport=httpx.MockTransport(discord))
        clients.append(client)
        kwargs.setdefault("max_retries", 3)
        return DiscordRest(
            client,
            token=TOKEN,
            user_agent=UA,
            account_id="acc1",
            sleep=sleeps,
            backoff=lambda: exponential_backoff(base=1, factor=2, cap=8, jitter=0),
            **kwargs,
        )

    yield build
    for client in clients:
        await client.aclose()


def rate_limited(
    retry_after: float | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    body: dict[str, object] = {"message": "The resource is being rate limited.", "global": False}
    if retry_after is not None:
        body["retry_after"] = retry_after
    return httpx.Response(429, json=body, headers=headers)


async def test_interact_posts_json_with_the_raw_token(make_rest, sleeps) -> None:
    discord = Discord(httpx.Response(204))
    rest = make_rest(discord, base_url="http://discord.local/")

    await rest.interact(INTERACTION)

    [request] = discord.requests
    assert request.method == "POST"
    assert str(request.url) == "http://discord.local/api/v9/interactions"
    assert request.headers["Authorization"] == TOKEN
    assert request.headers["User-Agent"] == UA
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Super-Properties"]
    assert json.loads(request.content) == INTERACTION
    assert sleeps.delays == []


async def test_429_waits_retry_after_from_the_body(make_rest, sleeps) -> None:
    discord = Discord(rate_limited(2.06), httpx.Response(204))
    rest = make_rest(discord)

    await rest.interact(INTERACTION)

    assert sleeps.delays == [2.06]
    assert len(discord.requests) == 2
    assert json.loads(discord.requests[1].content) == INTERACTION  # same nonce re-sent
    assert rest.rate_limited == 1


async def test_429_falls_back_to_retry_after_then_reset_after_headers(make_rest, sleeps) -> None:
    discord = Discord(
        rate_limited(headers={"Retry-After": "3"}),
        rate_limited(headers={"X-RateLimit-Reset-After": "1.5"}),
        rate_limited(),
        httpx.Response(204),
    )
    rest = make_rest(discord)

    await rest.interact(INTERACTION)

    assert sleeps.delays == [3.0, 1.5, 1.0]
    assert rest.rate_limited == 3


async def test_429_that_outlives_the_retries_is_raised(make_rest, sleeps) -> None:
    discord = Discord(rate_limited(0.5))
    rest = make_rest(discord, max_retries=3)

    with pytest.raises(DiscordRateLimitedError) as caught:
        await rest.interact(INTERACTION)

    assert caught.value.retry_after == 0.5
    assert caught.value.status == 429
    assert caught.value.account_id == "acc1"
    assert sleeps.delays == [0.5, 0.5, 0.5]
    assert len(discord.requests) == 4
    assert rest.rate_limited == 4


async def test_very_long_rate_limit_fails_without_waiting(make_rest, sleeps) -> None:
    discord = Discord(rate_limited(3600.0))
    rest = make_rest(discord, max_retry_after=60.0)

    with pytest.raises(DiscordRateLimitedError) as caught:
        await rest.interact(INTERACTION)

    assert caught.value.retry_after == 3600.0
    assert sleeps.delays == []
    assert len(discord.requests) == 1


async def test_5xx_is_retried_with_backoff(make_rest, sleeps) -> None:
    discord = Discord(
        httpx.Response(502, text="<html>bad gateway</html>"),
        httpx.Response(503),
        httpx.Response(204),
    )
    rest = make_rest(discord)

    await rest.interact(INTERACTION)

    assert sleeps.delays == [1, 2]
    assert len(discord.requests) == 3


async def test_5xx_retries_are_bounded(make_rest, sleeps) -> None:
    discord = Discord(
        httpx.Response(500, json={"message": "500: Internal Server Error", "code": 0})
    )
    rest = make_rest(discord, max_retries=3)

    with pytest.raises(DiscordHTTPError) as caught:
        await rest.interact(INTERACTION)

    assert caught.value.status == 500
    assert "Internal Server Error" in caught.value.message
    assert len(discord.requests) == 4
    assert sleeps.delays == [1, 2, 4]


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (401, {"message": "401: Unauthorized", "code": 0}, 0),
        (403, {"message": "Missing Access", "code": 50001}, 50001),
    ],
)
async def test_401_and_403_are_auth_errors_without_retry(
    make_rest, sleeps, status, body, code
) -> None:
    discord = Discord(httpx.Response(status, json=body))
    rest = make_rest(discord)

    with pytest.raises(DiscordAuthError) as caught:
        await rest.interact(INTERACTION)

    assert caught.value.status == status
    assert caught.value.code == code
    assert caught.value.account_id == "acc1"
    assert TOKEN not in str(caught.value)
    assert len(discord.requests) == 1
    assert sleeps.delays == []


async def test_stale_command_version_is_a_command_version_error(make_rest) -> None:
    discord = Discord(httpx.Response(400, json=INVALID_VERSION_BODY))
    rest = make_rest(discord)

    with pytest.raises(CommandVersionError) as caught:
        await rest.interact(INTERACTION)

    assert caught.value.status == 400
    assert caught.value.code == 50035
    assert "This command is outdated" in caught.value.message
    assert len(discord.requests) == 1


async def test_other_invalid_form_body_names_the_field(make_rest) -> None:
    body = {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {
            "data": {
                "options": {
                    "0": {
                        "value": {
                            "_errors": [
                                {
                                    "code": "BASE_TYPE_MAX_LENGTH",
                                    "message": "Must be 6000 or fewer in length.",
                                }
                            ]
                        }
                    }
                }
            }
        },
    }
    rest = make_rest(Discord(httpx.Response(400, json=body)))

    with pytest.raises(DiscordHTTPError) as caught:
        await rest.interact(INTERACTION)

    assert type(caught.value) is DiscordHTTPError
    assert "data.options.0.value: Must be 6000 or fewer in length." in caught.value.message


async def test_unknown_message_is_a_plain_http_error(make_rest, sleeps) -> None:
    discord = Discord(httpx.Response(404, json={"message": "Unknown Message", "code": 10008}))
    rest = make_rest(discord)

    with pytest.raises(DiscordHTTPError) as caught:
        await rest.interact(INTERACTION)

    assert type(caught.value) is DiscordHTTPError
    assert (caught.value.status, caught.value.code) == (404, 10008)
    assert "Unknown Message" in caught.value.message
    assert sleeps.delays == []


async def test_captcha_challenge_is_reported(make_rest) -> None:
    body = {
        "captcha_key": ["captcha-required"],
        "captcha_sitekey": "x",
        "captcha_service": "hcaptcha",
    }
    rest = make_rest(Discord(httpx.Response(400, json=body)))

    with pytest.raises(DiscordHTTPError) as caught:
        await rest.interact(INTERACTION)

    assert "captcha required" in caught.value.message


async def test_connect_errors_are_retried(make_rest, sleeps) -> None:
    discord = Discord(
        httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.Response(204)
    )
    rest = make_rest(discord)

    await rest.interact(INTERACTION)

    assert len(discord.requests) == 3
    assert sleeps.delays == [1, 2]


async def test_connect_errors_exhaust_into_a_connection_error(make_rest) -> None:
    discord = Discord(httpx.ConnectError("refused"))
    rest = make_rest(discord, max_retries=2)

    with pytest.raises(DiscordConnectionError) as caught:
        await rest.interact(INTERACTION)

    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(discord.requests) == 3


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout("no answer"), httpx.RemoteProtocolError("server hung up")]
)
async def test_post_that_may_have_reached_discord_is_not_sent_twice(make_rest, error) -> None:
    discord = Discord(error, httpx.Response(204))
    rest = make_rest(discord)

    with pytest.raises(DiscordConnectionError):
        await rest.interact(INTERACTION)

    assert len(discord.requests) == 1


async def test_get_is_retried_after_a_read_timeout(make_rest, sleeps) -> None:
    discord = Discord(httpx.ReadTimeout("no answer"), httpx.Response(200, json=[{"id": "9"}]))
    rest = make_rest(discord)

    assert await rest.messages("42") == [{"id": "9"}]
    assert len(discord.requests) == 2
    assert sleeps.delays == [1]


def upload_slot(request: httpx.Request) -> httpx.Response:
    [file] = json.loads(request.content)["files"]
    return httpx.Response(
        200,
        json={
            "attachments": [
                {
                    "id": file["id"],
                    "upload_url": f"{GCS}/0b1c/{file['filename']}?upload_id=SECRET",
                    "upload_filename": f"0b1c/{file['filename']}",
                }
            ]
        },
    )


async def test_upload_asks_for_a_slot_then_puts_the_bytes(make_rest) -> None:
    discord = Discord(upload_slot, httpx.Response(200))
    rest = make_rest(discord, base_url="http://discord.local")
    data = b"\x89PNG fake bytes"

    uploaded = await rest.upload("42", "cat.png", data, "image/png")

    assert uploaded == "0b1c/cat.png"
    slot_request, put = discord.requests
    assert slot_request.method == "POST"
    assert str(slot_request.url) == "http://discord.local/api/v9/channels/42/attachments"
    assert json.loads(slot_request.content) == {
        "files": [{"filename": "cat.png", "file_size": len(data), "id": "0"}]
    }
    assert put.method == "PUT"
    assert str(put.url) == f"{GCS}/0b1c/cat.png?upload_id=SECRET"
    assert put.content == data
    assert put.headers["Content-Type"] == "image/png"
    assert "Authorization" not in put.headers


async def test_upload_url_is_rewritten_to_the_configured_upload_server(make_rest) -> None:
    discord = Discord(upload_slot, httpx.Response(200))
    rest = make_rest(discord, upload_server="http://127.0.0.1:9999/gcs/")

    await rest.upload("42", "cat.png", b"x", "image/png")

    assert str(discord.requests[1].url) == "http://127.0.0.1:9999/gcs/0b1c/cat.png?upload_id=SECRET"


async def test_expired_upload_url_is_not_an_auth_error(make_rest) -> None:
    discord = Discord(upload_slot, httpx.Response(403, text="expired signature"))
    rest = make_rest(discord)

    with pytest.raises(DiscordHTTPError) as caught:
        await rest.upload("42", "cat.png", b"x", "image/png")

    assert type(caught.value) is DiscordHTTPError
    assert caught.value.status == 403
    assert "SECRET" not in caught.value.message


async def test_malformed_upload_slot_is_an_http_error(make_rest) -> None:
    rest = make_rest(Discord(httpx.Response(200, json={"attachments": []})))
    with pytest.raises(DiscordHTTPError):
        await rest.upload("42", "cat.png", b"x", "image/png")


async def test_send_message_with_an_uploaded_attachment(make_rest) -> None:
    created = {"id": "77", "attachments": [{"url": "https://cdn.discordapp.com/a/cat.png"}]}
    discord = Discord(httpx.Response(200, json=created))
    rest = make_rest(discord)
    attachment = {"id": "0", "filename": "cat.png", "uploaded_filename": "0b1c/cat.png"}

    message = await rest.send_message("42", "upload image: 0b1c/cat.png", [attachment])

    assert message == created
    [request] = discord.requests
    assert request.url.path == "/api/v9/channels/42/messages"
    body = json.loads(request.content)
    assert body["content"] == "upload image: 0b1c/cat.png"
    assert body["channel_id"] == "42"
    assert body["type"] == 0
    assert body["sticker_ids"] == []
    assert body["attachments"] == [attachment]
    assert body["nonce"].isdigit()


async def test_messages_passes_limit_and_after(make_rest) -> None:
    discord = Discord(httpx.Response(200, json=[{"id": "3"}, {"id": "2"}]))
    rest = make_rest(discord)

    messages = await rest.messages("42", limit=10, after="1")

    assert [m["id"] for m in messages] == ["3", "2"]
    [request] = discord.requests
    assert request.url.path == "/api/v9/channels/42/messages"
    assert dict(request.url.params) == {"limit": "10", "after": "1"}


async def test_messages_rejects_a_non_list(make_rest) -> None:
    rest = make_rest(Discord(httpx.Response(200, json={"message": "?"})))
    with pytest.raises(DiscordHTTPError):
        await rest.messages("42")


async def test_add_reaction_encodes_the_emoji(make_rest) -> None:
    discord = Discord(httpx.Response(204))
    rest = make_rest(discord)

    await rest.add_reaction("42", "77", "✉️")

    [request] = discord.requests
    assert request.method == "PUT"
    assert request.url.raw_path.decode().startswith(
        "/api/v9/channels/42/messages/77/reactions/%E2%9C%89%EF%B8%8F/@me?"
    )
    assert dict(request.url.params) == {"location": "Message", "type": "0"}


async def test_application_command_index(make_rest) -> None:
    index = {"applications": [], "application_commands": [{"name": "imagine"}], "version": "1"}
    discord = Discord(httpx.Response(200, json=index))
    rest = make_rest(discord)

    assert await rest.application_command_index("1234") == index
    [request] = discord.requests
    assert request.method == "GET"
    assert request.url.path == "/api/v9/guilds/1234/application-command-index"
    assert request.headers["Authorization"] == TOKEN


async def test_post_json_to_an_absolute_url(make_rest) -> None:
    discord = Discord(httpx.Response(200, json={"success": True}))
    rest = make_rest(discord)
    url = "https://936929561302675456.discordsays.com/inpaint/api/submit-job"

    await rest.post_json(url, {"customId": "abc", "prompt": "a cat"})

    [request] = discord.requests
    assert str(request.url) == url
    assert json.loads(request.content) == {"customId": "abc", "prompt": "a cat"}
