"""Approval messages that only look well formed are skipped, never mailed and never retried."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from local.lambda_context import LocalContext
from local.offline import sns_event
from local.stack import OfflineStack
from tests.adversarial.observe import forget_requests


@pytest.fixture
def tokens(stack: OfflineStack) -> Iterator[list[str]]:
    """Approval tokens the test's messages used; their records go when it ends."""
    used: list[str] = []
    yield used
    forget_requests(stack, used)


def approval(tokens: list[str], **changes: Any) -> str:
    message: dict[str, Any] = {
        "region": "us-east-1",
        "approval": {"pipelineName": "message-contract", "stageName": "Approval",
                     "actionName": "ManualApproval", "token": str(uuid.uuid4()),
                     "expires": "2099-12-31T23:59Z"},
    }
    for name, value in changes.items():
        (message if name == "region" else message["approval"])[name] = value
    tokens.append(message["approval"]["token"])
    return json.dumps(message)


def notify(stack: OfflineStack, message: str) -> Any:
    stack.collect_mails()
    result = stack.notify_handler(sns_event(stack.topic_arn, message),
                                  LocalContext(function_name="NotifyFunction"))
    return result, stack.collect_mails()


@pytest.mark.parametrize("field", ["pipelineName", "stageName", "actionName", "token", "region"])
def test_a_field_ending_in_a_newline_is_refused(stack: OfflineStack, tokens: list[str],
                                               field: str) -> None:
    value = {"token": f"{uuid.uuid4()}\n", "region": "us-east-1\n"}.get(field, "with-newline\n")

    assert notify(stack, approval(tokens, **{field: value})) == ({"mails": 0}, [])


@pytest.mark.parametrize("expires", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_expiry_beyond_the_calendar_is_skipped_not_retried(
    stack: OfflineStack, tokens: list[str], expires: str,
) -> None:
    assert notify(stack, approval(tokens, expires=expires)) == ({"mails": 0}, [])
