"""The decide function's log lines carry API Gateway's request id, and an event without one
(or with a malformed request context) still gets its page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.apigateway import proxy_event
from local.invoke import captured_logs
from local.lambda_context import LocalContext
from local.stack import OfflineStack

REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def refused_link(stack: OfflineStack, request_context: Any) -> tuple[int, list[dict[str, Any]]]:
    stage = "/" + stack.parameters["ApiStageName"]
    event = proxy_event("GET", f"{stage}/approvals/not-a-link", [("Accept", "text/html")], b"",
                        stage)
    event["requestContext"] = request_context(event["requestContext"])
    with captured_logs() as logs:
        response = stack.decide_handler(event, LocalContext(function_name="DecideFunction"))
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.startswith("{")]
    return response["statusCode"], [line for line in lines if line.get("message")]


def test_a_log_line_carries_the_api_request_id(stack: OfflineStack) -> None:
    status, lines = refused_link(stack, lambda context: {**context, "requestId": REQUEST_ID})
    assert status == 403
    refused = [line for line in lines if line["message"] == "link refused"]
    assert refused and all(line["correlation_id"] == REQUEST_ID for line in refused)


@pytest.mark.parametrize("request_context", [
    lambda context: {k: v for k, v in context.items() if k != "requestId"},
    lambda context: {**context, "requestId": ["not", "a", "string"]},
    lambda context: "not an object",
], ids=["no request id", "a request id that is not a string", "a request context that is not "
        "an object"])
def test_without_a_usable_request_id_the_line_has_none(stack: OfflineStack,
                                                       request_context: Any) -> None:
    status, lines = refused_link(stack, request_context)
    assert status == 403
    refused = [line for line in lines if line["message"] == "link refused"]
    assert refused and all(line.get("correlation_id") is None for line in refused)
