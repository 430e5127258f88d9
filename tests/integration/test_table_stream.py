"""The offline stand-in for the table's stream mapping (local.table_stream): a write wakes the
reader, waiting for the stream is exact, and a batch the function keeps failing is retried as
the template's mapping says, then handed to the on-failure destination."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from local.offline import ACCOUNT_ID, REGION
from local.stack import OfflineStack
from local.table_stream import TableStream, watch_moto_stream
from tests.offline import load_pipeline, run_to_approval, submit, wait_until

ALICE, BOB = "alice@example.com", "bob@example.com"
NEVER = 3600.0  # a fallback poll that never comes within a test


@pytest.fixture
def table(stack: OfflineStack, name: str) -> Iterator[Any]:
    """A table of the test's own, with a stream shaped as the approvals table's."""
    dynamodb = boto3.resource("dynamodb", endpoint_url=stack.moto_url)
    created = dynamodb.create_table(
        TableName=f"stream-{name}"[:255], BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "request_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "request_id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    yield created
    created.delete()


@pytest.fixture
def mapping(stack: OfflineStack) -> dict[str, Any]:
    """The template's mapping of the approvals table's stream to the tell function."""
    return dict(stack.template["Resources"]["TellOnClose"]["Properties"])


@pytest.fixture
def open_stream(stack: OfflineStack, table: Any, mapping: dict[str, Any]) -> Iterator[
        Callable[..., TableStream]]:
    """Start a mapping on the test's table; stopped (and unhooked) after the test."""
    stops: list[Callable[[], None]] = []

    def start(invoke: Callable[[dict[str, Any]], Any], *, announced: bool = True,
              fallback_seconds: float = NEVER,
              on_failure: Callable[[dict[str, Any]], None] = lambda event: None) -> TableStream:
        stream = TableStream(endpoint_url=stack.moto_url, table_name=table.name,
                             mapping=mapping, invoke=invoke, on_failure=on_failure,
                             fallback_seconds=fallback_seconds)
        if announced:
            stops.append(watch_moto_stream(ACCOUNT_ID, REGION, table.name, stream.written))
        stops.append(stream.stop)
        return stream.start()

    yield start
    while stops:
        stops.pop()()


def close(table: Any, request_id: str) -> None:
    """A request written pending, then approved: the change the mapping's filter lets through."""
    table.put_item(Item={"request_id": request_id, "status": "pending"})
    table.update_item(Key={"request_id": request_id}, UpdateExpression="SET #s = :s",
                      ExpressionAttributeNames={"#s": "status"},
                      ExpressionAttributeValues={":s": "approved"})


def request_ids(event: dict[str, Any]) -> list[str]:
    return [r["dynamodb"]["Keys"]["request_id"]["S"] for r in event["Records"]]


def test_a_close_written_just_before_the_wait_has_been_handled_when_the_wait_returns(
    open_stream: Callable[..., TableStream], table: Any,
) -> None:
    seen: list[str] = []
    release = threading.Event()

    def invoke(event: dict[str, Any]) -> None:
        assert release.wait(30), "the test never released the batch"
        seen.extend(request_ids(event))

    # No fallback poll: only the write's own announcement can wake the reader.
    stream = open_stream(invoke)
    try:
        close(table, "closed-just-now")
        # The batch is in the function, not done: waiting for the stream must not return yet.
        assert stream.wait_until_idle(timeout=0.2) is False
    finally:
        release.set()

    assert stream.wait_until_idle(timeout=10)
    # The insert was filtered out; the close, written last, was delivered once.
    assert seen == ["closed-just-now"]


def test_a_write_nobody_announced_is_still_read_by_the_slow_poll(
    open_stream: Callable[..., TableStream], table: Any,
) -> None:
    seen: list[str] = []
    open_stream(lambda event: seen.extend(request_ids(event)), announced=False,
                fallback_seconds=0.05)

    close(table, "unannounced")

    assert wait_until(lambda: seen, what="the unannounced close") == ["unannounced"]


def test_a_batch_the_function_keeps_failing_is_retried_then_handed_to_on_failure(
    open_stream: Callable[..., TableStream], table: Any, mapping: dict[str, Any],
) -> None:
    attempts: list[list[str]] = []
    handed_on: list[list[str]] = []

    def invoke(event: dict[str, Any]) -> None:
        attempts.append(request_ids(event))
        if "poisoned" in request_ids(event):
            raise RuntimeError("the function failed")

    stream = open_stream(invoke, on_failure=lambda event: handed_on.append(request_ids(event)))
    close(table, "poisoned")
    assert stream.wait_until_idle(timeout=10)
    close(table, "healthy")  # the shard moves on past the batch it gave up on

    assert stream.wait_until_idle(timeout=10)
    tries = 1 + int(mapping["MaximumRetryAttempts"])
    assert attempts == [["poisoned"]] * tries + [["healthy"]]
    assert handed_on == [["poisoned"]]
    assert [type(error) for error in stream.failures] == [RuntimeError]


def test_the_outcome_mails_are_out_when_wait_for_outcomes_returns(
    stack: OfflineStack, name: str,
) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    url = run_to_approval(stack, pipeline).link(ALICE, "Approve")

    assert submit(url, "Ship it").status_code == 200
    assert stack.wait_for_outcomes(timeout=10)

    stack.collect_mails()
    told = sorted(m.recipient for m in stack.mails
                  if m.subject.startswith("Approved:") and pipeline in m.subject)
    assert told == [ALICE, BOB]
