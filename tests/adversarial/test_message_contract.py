"""Approval messages that only look well formed are skipped, never mailed and never retried."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.lambda_context import LocalContext
from local.offline import sns_event
from local.stack import OfflineStack
from tests.adversarial.observe import forget_requests
from tests.live import Waiting, waiting_approval


@pytest.fixture
def tokens(stack: OfflineStack) -> Iterator[list[str]]:
    """Approval tokens the test's messages used; their records go when it ends."""
    used: list[str] = []
    yield used
    forget_requests(stack, used)


def approval(waiting: Waiting, tokens: list[str], **changes: Any) -> str:
    """The message of an approval CodePipeline waits on, with one field changed: only the
    change can be why it is not mailed."""
    message: dict[str, Any] = json.loads(waiting.message())
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
                                               name: str, field: str) -> None:
    waiting = waiting_approval(stack, name)
    message = json.loads(waiting.message())
    value = (message if field == "region" else message["approval"])[field] + "\n"

    assert notify(stack, approval(waiting, tokens, **{field: value})) == ({"mails": 0}, [])
    assert notify(stack, approval(waiting, tokens))[0] == {"mails": 2}  # unchanged, mailed


@pytest.mark.parametrize("expires", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_expiry_beyond_the_calendar_is_skipped_not_retried(
    stack: OfflineStack, tokens: list[str], name: str, expires: str,
) -> None:
    waiting = waiting_approval(stack, name)
    assert notify(stack, approval(waiting, tokens, expires=expires)) == ({"mails": 0}, [])
