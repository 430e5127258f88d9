"""Outcome mails go out after the decision's response, from the table's stream: everyone on
a request hears what became of it exactly once, when the stream's function fails and is
retried, when it gives up, and when the deciding function dies before the request closes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
from botocore.retries.standard import ExponentialBackoff

from local.faults import Faults
from local.stack import OfflineStack
from tests.offline import load_pipeline, run_to_approval, submit, wait_until

ALICE, BOB = "alice@example.com", "bob@example.com"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry as configured, without sleeping in between."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


@pytest.fixture
def faults(stack: OfflineStack) -> Iterator[Faults]:
    assert stack.fault_proxies is not None
    yield stack.fault_proxies
    stack.fault_proxies.clear()
    stack.fault_proxies.wait_idle()


def outcome_mails(stack: OfflineStack, pipeline: str) -> Counter[str]:
    stack.wait_for_outcomes()
    stack.collect_mails()
    return Counter(m.recipient for m in stack.mails
                   if m.subject.startswith("Approved:") and pipeline in m.subject)


def record_of(stack: OfflineStack, pipeline: str) -> dict[str, object]:
    items = boto3.resource("dynamodb", endpoint_url=stack.moto_url).Table(
        stack.table_name).scan()["Items"]
    return next(item for item in items if item["pipeline"] == pipeline)


def failures_in_queue(stack: OfflineStack) -> int:
    sqs = boto3.client("sqs", endpoint_url=stack.moto_url)
    attributes = sqs.get_queue_attributes(QueueUrl=stack.tell_failure_queue_url,
                                          AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_a_failed_outcome_mail_is_retried_and_nobody_hears_twice(
    stack: OfflineStack, faults: Faults, name: str,
) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    url = run_to_approval(stack, pipeline).link(ALICE, "Approve")
    # Every attempt of the first delivery to Bob fails; Alice's goes through.
    failing = faults.aws.inject("ses.SendEmail", code="InternalFailure", times=4,
                                body_contains=BOB)

    assert submit(url, "Ship it").status_code == 200

    told = wait_until(lambda: (m := outcome_mails(stack, pipeline)).total() >= 2 and m,
                      what="outcome mails")
    assert failing.hits == 4  # the first delivery did fail for Bob
    assert told == Counter({ALICE: 1, BOB: 1})
    record = record_of(stack, pipeline)
    assert record["outcome_mailed_at"] and "pending" not in record


def test_when_the_stream_gives_up_the_sweep_tells_everyone_once(
    stack: OfflineStack, faults: Faults, name: str,
) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    url = run_to_approval(stack, pipeline).link(ALICE, "Approve")
    before = failures_in_queue(stack)
    faults.aws.inject("ses.SendEmail", code="InternalFailure", times=None)

    assert submit(url, "Ship it").status_code == 200
    wait_until(lambda: failures_in_queue(stack) > before, what="the batch handed on")
    assert outcome_mails(stack, pipeline) == Counter()
    assert record_of(stack, pipeline)["pending"] == "untold"

    faults.clear()
    stack.invoke_remind()

    assert outcome_mails(stack, pipeline) == Counter({ALICE: 1, BOB: 1})
    stack.invoke_remind()  # a second sweep finds nothing left to tell
    assert outcome_mails(stack, pipeline) == Counter({ALICE: 1, BOB: 1})


def test_a_decision_whose_function_died_before_closing_is_told_once_by_the_sweep(
    stack: OfflineStack, faults: Faults, name: str,
) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    url = run_to_approval(stack, pipeline).link(ALICE, "Approve")
    # The decision goes to CodePipeline; the write that closes the request never lands.
    faults.aws.inject("dynamodb.UpdateItem", code="InternalServerError", times=None,
                      body_contains="decided_at")

    assert submit(url, "Ship it").status_code == 200
    assert record_of(stack, pipeline)["status"] == "deciding"
    assert outcome_mails(stack, pipeline) == Counter()

    faults.clear()
    stack.invoke_remind()  # CodePipeline says approved: the sweep closes and tells

    assert outcome_mails(stack, pipeline) == Counter({ALICE: 1, BOB: 1})
    assert record_of(stack, pipeline)["status"] == "approved"
