"""Property-based fuzzing of the /mj API, from the OpenAPI document the app serves.

For every /mj operation schemathesis sends its deterministic boundary cases, then hypothesis
generates schema-valid and schema-breaking requests, and a last pass aims them at real tasks.
No answer may be a 5xx; each must use a documented status and content type and match the
documented response schema. A real engine runs behind the app on the simulator, so accepted
submits really run.

Hypothesis drives the cases from a worker thread; every request is sent on the test's event loop,
where the engine lives, through the in-process ASGI client.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from mjcore.api.schemas import PIXEL_PNG
from tests.integration.actions_helpers import button, run, submit
from tests.integration.api.conftest import PUBLIC_URL
from tests.integration.conftest import Stack, running_stack

EXAMPLES_PER_OPERATION = 20
EXAMPLES_PER_TARGETED_RUN = 25
REQUEST_TIMEOUT = 30.0
# the /mj contract plus health, metrics and images; /mj/admin belongs to the account admin API
FUZZED_PATHS = r"^/(mj/(submit|task|account)/|health$|metrics$|images/)"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)

Case = Any  # schemathesis.Case; its generated attributes are untyped


def transport_kwargs(case: Case) -> dict[str, Any]:
    """The case as keyword arguments for ``httpx.AsyncClient.request``."""
    kwargs: dict[str, Any] = case.as_transport_kwargs(base_url=PUBLIC_URL)
    for unused in ("timeout", "allow_redirects", "verify"):
        kwargs.pop(unused, None)
    assert not kwargs.pop("cookies", None), "the schema declares no cookies"
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    return kwargs


class Fuzzer:
    """Runs hypothesis over cases in a thread; requests go to the app on ``loop``."""

    def __init__(self, stack: Stack, loop: asyncio.AbstractEventLoop) -> None:
        self.stack = stack
        self.loop = loop
        self.seen: Counter[tuple[str, int, object]] = Counter()

    def send(self, case: Case) -> httpx.Response:
        request = self.stack.api.request(**transport_kwargs(case))
        response = asyncio.run_coroutine_threadsafe(request, self.loop).result(REQUEST_TIMEOUT)
        body = response.json() if "json" in response.headers.get("content-type", "") else None
        code = body.get("code") if isinstance(body, dict) else None
        self.seen[(case.operation.label, response.status_code, code)] += 1
        return response

    async def run(self, cases: st.SearchStrategy[Case], examples: int, *, negative: bool) -> None:
        checks = [*CHECKS, negative_data_rejection] if negative else CHECKS

        @settings(FUZZ_SETTINGS, max_examples=examples)
        @given(case=cases)
        def check(case: Case) -> None:
            case.validate_response(self.send(case), checks=checks)

        await asyncio.to_thread(check)

    async def run_coverage(self, schema: Any, operation: Any) -> None:
        """schemathesis' deterministic boundary cases (both modes) for ``operation``."""
        config = schema.config.generation_for(operation=operation)
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]

        def check_all() -> None:
            for case in schema.iter_coverage_cases(
                operation, generation_modes=modes, generation_config=config
            ):
                meta = case.meta
                negative = meta is not None and meta.generation.mode is GenerationMode.NEGATIVE
                checks = [*CHECKS, negative_data_rejection] if negative else CHECKS
                case.validate_response(self.send(case), checks=checks)

        await asyncio.to_thread(check_all)

    def codes(self, label: str) -> set[object]:
        return {code for (op, status, code) in self.seen if op == label and status == 200}


async def seed_tasks(stack: Stack) -> dict[str, dict[str, Any]]:
    """Tasks in several states for the targeted pass: grid, upscale, MODAL, cancelled."""
    grid = await run(stack.api, "/mj/submit/imagine", {"prompt": "a seed grid --v 7"})
    single = await run(
        stack.api, "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, "U1")}
    )
    custom_id = button(single, "Custom Zoom")
    modal = await submit(
        stack.api, "/mj/submit/action", {"taskId": single["id"], "customId": custom_id}
    )
    cancelled = await submit(
        stack.api, "/mj/submit/action", {"taskId": single["id"], "customId": custom_id}
    )
    await stack.api.post(f"/mj/task/{cancelled['result']}/cancel")
    tasks = {"grid": grid, "single": single}
    for name, answer in (("modal", modal), ("cancelled", cancelled)):
        tasks[name] = (await stack.api.get(f"/mj/task/{answer['result']}/fetch")).json()
    return tasks


def optional_submit_fields() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "state": st.text(max_size=20),
        "notifyHook": st.sampled_from(["", "http://127.0.0.1:9/hook", "not a url"]),
    }


def targeted_bodies(tasks: dict[str, dict[str, Any]]) -> dict[str, st.SearchStrategy[Any]]:
    """Bodies aimed at real tasks and real buttons, mixed with junk, per operation path."""
    ids = st.sampled_from([t["id"] for t in tasks.values()]) | st.text(max_size=24)
    custom_ids = st.sampled_from(
        sorted({b["customId"] for t in tasks.values() for b in t["buttons"]})
    ) | st.text(max_size=40)
    ops = st.sampled_from(["U1", "U4", "V2", "R", "r", "U5", "X1", ""])
    images = st.sampled_from([PIXEL_PNG, "", "data:image/png;base64,AAAA", "%%%"])
    return {
        "/mj/submit/action": st.fixed_dictionaries(
            {"taskId": ids, "customId": custom_ids}, optional=optional_submit_fields()
        ),
        "/mj/submit/change": st.fixed_dictionaries(
            {"taskId": ids, "action": st.sampled_from(["UPSCALE", "VARIATION", "REROLL"])},
            optional={"index": st.integers(1, 4), **optional_submit_fields()},
        ),
        "/mj/submit/simple-change": st.fixed_dictionaries(
            {"content": st.builds(lambda i, o: f"{i} {o}", ids, ops)}
        ),
        "/mj/submit/modal": st.fixed_dictionaries(
            {"taskId": ids},
            optional={
                "prompt": st.sampled_from(["", "a cat --zoom 1.5", "a cat --zoom 9"])
                | st.text(max_size=30),
                "maskBase64": images,
            },
        ),
        "/mj/task/list-by-condition": st.fixed_dictionaries({"ids": st.lists(ids, max_size=6)}),
    }


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_no_operation_answers_5xx_or_breaks_its_schema(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        for runtime in stack.engine.accounts.values():
            runtime.modal_delay = 0.01
        document = (await stack.api.get("/mj/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document).include(path_regex=FUZZED_PATHS)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 20
        fuzzer = Fuzzer(stack, asyncio.get_running_loop())
        tasks = await seed_tasks(stack)
        before = len(await stack.engine.list(limit=1000))

        for operation in operations:
            await fuzzer.run_coverage(schema, operation)
            await fuzzer.run(
                operation.as_strategy(GenerationMode.POSITIVE),
                EXAMPLES_PER_OPERATION,
                negative=False,
            )
            try:
                await fuzzer.run(
                    operation.as_strategy(GenerationMode.NEGATIVE),
                    EXAMPLES_PER_OPERATION,
                    negative=True,
                )
            except Unsatisfiable:  # nothing to break: no body, no constrained parameter
                assert "requestBody" not in document["paths"][operation.path][operation.method]

        by_path = {op.path: op for op in operations}
        for name, strategy in targeted_bodies(tasks).items():
            make_case: Callable[[Any], Case] = lambda body, op=by_path[name]: op.Case(  # noqa: E731
                body=body, media_type="application/json"
            )
            await fuzzer.run(strategy.map(make_case), EXAMPLES_PER_TARGETED_RUN, negative=False)
        for operation in operations:
            if "{task_id}" in operation.path:
                for task in tasks.values():
                    cases = operation.as_strategy(path_parameters={"task_id": task["id"]})
                    await fuzzer.run(cases, 2, negative=False)

        # the runs reached the engine: real tasks were accepted and refused, inputs were checked
        assert len(await stack.engine.list(limit=1000)) > before
        assert fuzzer.codes("POST /mj/submit/imagine") & {1, 22, 23}
        assert 4 in fuzzer.codes("POST /mj/submit/describe")
        assert {1, 3, 4} <= fuzzer.codes("POST /mj/submit/action") | fuzzer.codes(
            "POST /mj/submit/change"
        )
        assert any(status == 400 for (_, status, _) in fuzzer.seen)
