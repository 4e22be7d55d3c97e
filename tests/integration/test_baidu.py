from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import httpx
import pytest

from mjcore.errors import TranslateError
from mjcore.translate import BaiduTranslateError, BaiduTranslator, sign, translate_prompt
from tests.fakes.baidu import FakeBaidu, fake_translate

FAST_RETRY = (0.01, 0.01)
REQUEST_TIMEOUT = 10.0


@pytest.fixture
async def baidu() -> AsyncIterator[FakeBaidu]:
    async with FakeBaidu() as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as http:
        yield http


async def test_translates_through_signed_form_post(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    translator = baidu.translator(client, salt_factory=lambda: "48213")
    assert await translator.translate("一只可爱的猫在月球上") == "a cute cat on the moon"
    assert baidu.received == ["一只可爱的猫在月球上"]
    (form,) = baidu.forms
    assert form == {
        "from": "zh",
        "to": "en",
        "appid": baidu.appid,
        "salt": "48213",
        "q": "一只可爱的猫在月球上",
        "sign": sign(baidu.appid, "一只可爱的猫在月球上", "48213", baidu.secret),
    }
    assert baidu.secret not in str(form)


async def test_lines_are_translated_one_by_one_and_joined(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    translator = baidu.translator(client)
    assert await translator.translate("一只猫\n红色的狗") == "a cat\nred dog"


async def test_text_without_chinese_is_not_sent(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    assert await baidu.translator(client).translate("a cat") == "a cat"
    assert baidu.received == []


async def test_prompt_sends_only_text_and_no_values(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    prompt = (
        "https://cdn.example.com/a.png?ex=1&is=2&hm=3& <https://s.mj.run/pnvVhedeTbw> "
        "一只红色的猫::2 可爱的狗 —ar 16:9 --sref https://cdn.example.com/s.png --no 狗 --v 7"
    )
    result = await translate_prompt(prompt, baidu.translator(client))
    assert result == (
        "https://cdn.example.com/a.png?ex=1&is=2&hm=3& <https://s.mj.run/pnvVhedeTbw> "
        "a red cat::2 cute dog --ar 16:9 --sref https://cdn.example.com/s.png --no dog --v 7"
    )
    assert baidu.received == ["一只红色的猫\n可爱的狗\n狗"]
    for q in baidu.received:
        assert "http" not in q
        assert "--" not in q
        assert "::" not in q


async def test_wrong_secret_is_rejected_by_signature_check(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    translator = BaiduTranslator(client, appid=baidu.appid, secret="not-the-secret", url=baidu.url)
    with pytest.raises(BaiduTranslateError) as caught:
        await translator.translate("猫")
    assert caught.value.code == "54001"
    assert "Invalid Sign" in str(caught.value)
    assert "not-the-secret" not in str(caught.value)
    assert isinstance(caught.value, TranslateError)


async def test_wrong_appid_is_unauthorized(baidu: FakeBaidu, client: httpx.AsyncClient) -> None:
    translator = BaiduTranslator(client, appid="someone-else", secret=baidu.secret, url=baidu.url)
    with pytest.raises(BaiduTranslateError) as caught:
        await translator.translate("猫")
    assert caught.value.code == "52003"


async def test_rate_limit_is_retried(baidu: FakeBaidu, client: httpx.AsyncClient) -> None:
    baidu.fail_next("54003", "Invalid Access Limit", times=2)
    translator = baidu.translator(client, retry_delays=FAST_RETRY)
    assert await translator.translate("猫") == "cat"
    assert baidu.received == ["猫", "猫", "猫"]


async def test_rate_limit_gives_up_after_the_retry_budget(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    baidu.fail_next("54003", "Invalid Access Limit", times=3)
    translator = baidu.translator(client, retry_delays=FAST_RETRY)
    with pytest.raises(BaiduTranslateError) as caught:
        await translator.translate("猫")
    assert caught.value.code == "54003"
    assert len(baidu.received) == 3


async def test_permanent_errors_are_not_retried(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    baidu.fail_next("54004", "Insufficient balance", times=1)
    with pytest.raises(BaiduTranslateError, match="54004"):
        await baidu.translator(client, retry_delays=FAST_RETRY).translate("猫")
    assert len(baidu.received) == 1


async def test_translate_prompt_propagates_translate_errors(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    baidu.fail_next("58000", "Invalid Client IP")
    with pytest.raises(TranslateError):
        await translate_prompt("一只猫 --ar 1:1", baidu.translator(client))


async def test_connection_failure_maps_to_translate_error(client: httpx.AsyncClient) -> None:
    # A port that was free a moment ago: nothing listens there.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    translator = BaiduTranslator(
        client, appid="a", secret="s", url=f"http://127.0.0.1:{port}/api/trans/vip/translate"
    )
    with pytest.raises(TranslateError) as caught:
        await translator.translate("猫")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_http_error_status_maps_to_translate_error(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    translator = BaiduTranslator(
        client, appid=baidu.appid, secret=baidu.secret, url=baidu.url + "/missing"
    )
    with pytest.raises(TranslateError, match="HTTP 404") as caught:
        await translator.translate("猫")
    assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)


async def test_fake_requires_form_encoding_and_all_fields(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    as_json = await client.post(baidu.url, json={"q": "猫"})
    assert as_json.json()["error_code"] == "54000"
    missing_sign = await client.post(
        baidu.url, data={"q": "猫", "from": "zh", "to": "en", "appid": baidu.appid, "salt": "1"}
    )
    assert missing_sign.json() == {"error_code": "54000", "error_msg": "PARAM_FROM_TO_OR_Q_EMPTY"}


async def test_fake_answers_get_requests_like_baidu(
    baidu: FakeBaidu, client: httpx.AsyncClient
) -> None:
    params = {"q": "猫", "from": "zh", "to": "en", "appid": baidu.appid, "salt": "7"}
    params["sign"] = sign(baidu.appid, "猫", "7", baidu.secret)
    response = await client.get(baidu.url, params=params)
    assert response.json() == {
        "from": "zh",
        "to": "en",
        "trans_result": [{"src": "猫", "dst": "cat"}],
    }
    assert parse_qs(response.request.url.query.decode())["q"] == ["猫"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("一只可爱的猫在月球上", "a cute cat on the moon"),
        ("一只小猫", "a kitten"),
        ("猫，狗", "cat, dog"),
        ("a 红色的 car", "a red car"),
        ("麒麟", "麒麟"),
        ("一只麒麟", "a 麒麟"),
    ],
)
def test_fake_dictionary(line: str, expected: str) -> None:
    assert fake_translate(line) == expected
