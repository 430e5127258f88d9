"""The redrive command against the offline stack: dead letters go back to the notify function
through Lambda's Invoke API, and leave the queue only once the function handled them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.retries.standard import ExponentialBackoff

from greenlight.redrive import Redriven, event_of, main, redrive
from local.stack import OfflineStack
from tests.live import waiting_approval

APPROVERS = ("alice@example.com", "bob@example.com")


@pytest.fixture
def queue(stack: OfflineStack, name: str,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A dead-letter queue of the test's own, where the stack's notify failures land."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"dlq-{name}"[:80])["QueueUrl"]
    monkeypatch.setattr(stack, "dead_letter_queue_url", url)
    yield url
    sqs.delete_queue(QueueUrl=url)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """SES failures are retried as configured, without the waits in between."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


class Ses:
    """Make SES fail, for one recipient (through the fault proxy) or for all (the sender's
    identity deleted), and heal it again."""

    def __init__(self, stack: OfflineStack) -> None:
        self.stack = stack
        self.sender = stack.parameters["SenderEmail"]
        self.identity_deleted = False

    def fail(self, recipient: str | None = None) -> None:
        if recipient is None:
            boto3.client("ses").delete_identity(Identity=self.sender)
            self.identity_deleted = True
            return
        assert self.stack.fault_proxies is not None, "the session's stack has fault proxies"
        self.stack.fault_proxies.aws.inject("ses.SendEmail", code="InternalFailure",
                                            times=None, body_contains=recipient)

    def heal(self) -> None:
        if self.stack.fault_proxies is not None:
            self.stack.fault_proxies.clear()
            self.stack.fault_proxies.wait_idle()
        if self.identity_deleted:
            boto3.client("sesv2").create_email_identity(EmailIdentity=self.sender)
            self.identity_deleted = False


@pytest.fixture
def ses(stack: OfflineStack) -> Iterator[Ses]:
    failing = Ses(stack)
    yield failing
    failing.heal()


def approval_mails(stack: OfflineStack, pipeline: str) -> Counter[str]:
    stack.collect_mails()
    return Counter(m.recipient for m in stack.mails
                   if m.subject.startswith(f"Approval needed: {pipeline} /"))


def in_queue(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                      "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return (int(attributes["ApproximateNumberOfMessages"])
            + int(attributes["ApproximateNumberOfMessagesNotVisible"]))


def run_redrive(stack: OfflineStack, url: str, **options: Any) -> list[Redriven]:
    return redrive(boto3.client("sqs"), boto3.client("lambda"), queue_url=url,
                   function=stack.notify_spec.logical_id, **options)


@pytest.mark.parametrize("failing", ["bob@example.com", None], ids=["one-approver", "all"])
def test_a_redriven_dead_letter_mails_the_approvers_who_were_not_mailed_and_nobody_twice(
    stack: OfflineStack, name: str, queue: str, ses: Ses, failing: str | None,
) -> None:
    waiting = waiting_approval(stack, name)
    ses.fail(failing)
    stack.invoke_notify(waiting.event(stack))  # retried twice, then dead-lettered
    assert in_queue(queue) == 1
    before = approval_mails(stack, name)
    assert before["bob@example.com"] == 0
    assert before["alice@example.com"] == (1 if failing else 0)

    ses.heal()
    results = run_redrive(stack, queue)

    assert [(r.outcome, r.approvals) for r in results] == [
        ("redriven", (f"{name}/Approval/ManualApproval",))]
    assert approval_mails(stack, name) == dict.fromkeys(APPROVERS, 1)
    assert in_queue(queue) == 0


def test_a_dead_letter_that_fails_again_stays_in_the_queue_with_its_outcome_reported(
    stack: OfflineStack, name: str, queue: str, ses: Ses,
) -> None:
    waiting = waiting_approval(stack, name)
    ses.fail()
    stack.invoke_notify(waiting.event(stack))

    results = run_redrive(stack, queue)  # SES is still refusing every send

    assert [r.outcome for r in results] == ["failed"]
    assert "function error" in results[0].detail and "SendFailed" in results[0].detail
    assert in_queue(queue) == 1
    assert approval_mails(stack, name) == {}
    # It is visible again at once: the next redrive, with SES healthy, delivers it.
    ses.heal()
    assert [r.outcome for r in run_redrive(stack, queue)] == ["redriven"]
    assert approval_mails(stack, name) == dict.fromkeys(APPROVERS, 1)


def test_a_message_sns_dead_lettered_is_redriven_as_the_event_sns_would_send(
    stack: OfflineStack, name: str, queue: str,
) -> None:
    # SNS's subscription redrive keeps the message envelope, not the Lambda event.
    waiting = waiting_approval(stack, name)
    sns = waiting.event(stack)["Records"][0]["Sns"]
    envelope = {"Type": "Notification", "MessageId": sns["MessageId"],
                "TopicArn": sns["TopicArn"], "Subject": sns["Subject"],
                "Message": sns["Message"], "Timestamp": sns["Timestamp"],
                "SignatureVersion": "1", "Signature": "",
                "SigningCertURL": sns["SigningCertUrl"], "UnsubscribeURL": sns["UnsubscribeUrl"]}
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps(envelope))

    results = run_redrive(stack, queue)

    assert [r.outcome for r in results] == ["redriven"]
    assert json.loads(results[0].detail) == {"mails": 2}
    assert approval_mails(stack, name) == dict.fromkeys(APPROVERS, 1)
    assert in_queue(queue) == 0


def test_a_dry_run_lists_the_dead_letters_and_leaves_them_in_the_queue(
    stack: OfflineStack, name: str, queue: str, ses: Ses,
    capsys: pytest.CaptureFixture[str],
) -> None:
    waiting = waiting_approval(stack, name)
    ses.fail()
    stack.invoke_notify(waiting.event(stack))
    ses.heal()

    code = main(["--queue", queue, "--function", stack.notify_spec.logical_id, "--dry-run"])

    out = capsys.readouterr().out
    assert code == 0
    assert "would-redrive" in out and f"{name}/Approval/ManualApproval" in out
    assert "1 message(s): 1 would-redrive" in out
    assert in_queue(queue) == 1 and approval_mails(stack, name) == {}


def test_redrive_takes_no_more_than_max_messages(stack: OfflineStack, queue: str) -> None:
    sqs = boto3.client("sqs")
    for number in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"not": number}))

    results = run_redrive(stack, queue, max_messages=2)

    assert [r.outcome for r in results] == ["unreadable", "unreadable"]
    assert in_queue(queue) == 3  # what cannot be read is never deleted


def test_a_dead_letter_that_is_not_an_sns_event_or_message_is_unreadable() -> None:
    from greenlight.redrive import UnreadableDeadLetter

    for body in ("not json", "[]", json.dumps({"Records": [{"Sqs": {}}]}),
                 json.dumps({"Type": "SubscriptionConfirmation", "Message": "x"})):
        with pytest.raises(UnreadableDeadLetter):
            event_of(body)
