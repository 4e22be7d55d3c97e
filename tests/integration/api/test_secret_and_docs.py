"""``mj-api-secret`` on every /mj path, and the served OpenAPI document and docs page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from mjcore.api.app import create_app
from mjcore.api.auth import secret_matches
from tests.integration.api.conftest import PUBLIC_URL
from tests.integration.conftest import Stack, running_stack

SECRET = "s3cret-key"
CONTRACT_OPERATIONS = {
    ("post", "/mj/submit/imagine"),
    ("post", "/mj/submit/change"),
    ("post", "/mj/submit/simple-change"),
    ("post", "/mj/submit/describe"),
    ("post", "/mj/submit/blend"),
    ("post", "/mj/submit/shorten"),
    ("post", "/mj/submit/action"),
    ("post", "/mj/submit/modal"),
    ("get", "/mj/task/{task_id}/fetch"),
    ("post", "/mj/task/{task_id}/cancel"),
    ("get", "/mj/task/{task_id}/image-seed"),
    ("get", "/mj/task/list"),
    ("post", "/mj/task/list-by-condition"),
    ("post", "/mj/task/list-by-ids"),
    ("get", "/mj/task/queue"),
    ("get", "/mj/account/list"),
    ("get", "/mj/account/{account_id}/fetch"),
}


def test_secret_comparison() -> None:
    assert secret_matches(b"abc", "abc")
    assert not secret_matches(b"abd", "abc")
    assert not secret_matches(b"", "abc")
    assert not secret_matches(b"abc" * 1000, "abc")
    assert secret_matches("s3cret-☃".encode(), "s3cret-☃")  # raw header bytes vs UTF-8


async def test_every_mj_path_needs_the_secret(tmp_path: Path) -> None:
    async with running_stack(tmp_path, api_secret=SECRET) as stack:
        app = create_app(stack.engine, api_secret=SECRET)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as bare:
            for method, path in sorted(CONTRACT_OPERATIONS):
                url = path.replace("{task_id}", "1").replace("{account_id}", "1")
                for headers in ({}, {"mj-api-secret": "wrong"}, {"mj-api-secret": ""}):
                    response = await bare.request(method, url, headers=headers, json={})
                    assert response.status_code == 401, (method, url, headers)
                    assert response.json()["description"] == "missing or wrong mj-api-secret"
                allowed = await bare.request(
                    method, url, headers={"mj-api-secret": SECRET}, json={}
                )
                assert allowed.status_code != 401, (method, url)
            for open_path in ("/health", "/mj/docs", "/mj/openapi.json", "/metrics"):
                assert (await bare.get(open_path)).status_code == 200, open_path


@pytest.fixture
async def document(stack: Stack) -> dict[str, Any]:
    response = await stack.api.get("/mj/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def test_docs_page_is_served(stack: Stack) -> None:
    page = await stack.api.get("/mj/docs")
    assert page.status_code == 200 and "/mj/openapi.json" in page.text
    home = await stack.api.get("/mj")
    assert home.status_code == 307 and home.headers["location"] == "/mj/docs"


async def test_openapi_describes_every_contract_operation(document: dict[str, Any]) -> None:
    operations = {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if path.startswith("/mj/") and not path.startswith("/mj/admin/")
    }
    assert operations == CONTRACT_OPERATIONS
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for method, path in CONTRACT_OPERATIONS:
        responses = document["paths"][path][method]["responses"]
        assert "422" not in responses, (method, path)
        assert {"200", "401"} <= set(responses), (method, path)
        ok = responses["200"]["content"]["application/json"]["schema"]
        if path != "/mj/account/{account_id}/fetch":  # its route declares no response model
            assert ok not in ({}, {"type": "object"}), (method, path)


async def test_openapi_examples_come_from_the_contract(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    task = schemas["TaskModel"]["examples"][0]
    assert task["properties"]["messageHash"] == "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6"
    codes = {example["code"] for example in schemas["SubmitResponse"]["examples"]}
    assert codes == {1, 3, 4, 21, 22, 23, 24}
    imagine = document["paths"]["/mj/submit/imagine"]["post"]
    body = imagine["requestBody"]["content"]["application/json"]
    assert body["examples"]["prompt"]["value"]["prompt"] == "dog playing ball --v 7"
    answers = imagine["responses"]["200"]["content"]["application/json"]["examples"]
    assert answers["banned word"]["value"]["code"] == 24
    bad = imagine["responses"]["400"]["content"]["application/json"]["schema"]
    assert bad == {"$ref": "#/components/schemas/ErrorResponse"}


async def test_documented_examples_are_accepted(stack: Stack, document: dict[str, Any]) -> None:
    """Every request example in the document is a valid request (HTTP 200)."""
    sent = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            for name, example in (content or {}).get("examples", {}).items():
                response = await stack.api.request(method, path, json=example["value"])
                assert response.status_code == 200, (path, name, response.text)
                sent += 1
    assert sent >= 10
