"""The notify handler driven with events/ and with messages the stand-in publishes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from greenlight.links import read_link, token_digest
from local.lambda_context import LocalContext
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
from tests.conftest import load_event
from tests.offline import links_in, load_pipeline, run_to_approval


def fresh(name: str, **approval: Any) -> dict[str, Any]:
    """A sample event with a token of its own (the table remembers tokens it has seen)."""
    event = load_event(name)
    sns = event["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    message["approval"]["token"] = str(uuid.uuid4())
    message["approval"].update(approval)
    sns["Message"] = json.dumps(message)
    return event


def invoke(stack: OfflineStack, event: dict[str, Any]) -> Any:
    stack.collect_mails()  # earlier tests' mails are not this invocation's
    before = len(stack.mails)
    result = stack.notify_handler(event, LocalContext(function_name="NotifyFunction"))
    stack.collect_mails()
    return result, stack.mails[before:]


@pytest.mark.parametrize("event", ["codestar-notification.json", "sns-plain-text.json"])
def test_other_messages_on_the_topic_send_nothing(stack: OfflineStack, event: str) -> None:
    result, mails = invoke(stack, load_event(event))
    assert result == {"mails": 0} and mails == []


def test_the_sample_approval_mails_every_default_approver(stack: OfflineStack) -> None:
    result, mails = invoke(stack, fresh("approval-request.json"))
    assert result == {"mails": 2}
    assert sorted(m.recipient for m in mails) == ["alice@example.com", "bob@example.com"]
    for mail in mails:
        assert mail.subject == "Approval needed: greenlight-demo / ManualApproval"
        assert mail.text and mail.html
        for label, url in links_in(mail).items():
            assert url.startswith(stack.api_url + "/approvals/")
            claims = read_link(url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], datetime.now(UTC))
            assert claims.approver == mail.recipient
            assert claims.decision.value == label.lower()


def test_null_fields_still_make_a_complete_mail(stack: OfflineStack) -> None:
    result, mails = invoke(stack, fresh("approval-request-null-fields.json"))
    assert result == {"mails": 2}
    assert all("Details" not in m.text and "Approve" in m.html for m in mails)


def test_an_invalid_approval_message_is_skipped_without_mail(stack: OfflineStack) -> None:
    event = load_event("approval-request.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["approval"]["token"] = None
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result, mails = invoke(stack, event)
    assert result == {"mails": 0} and mails == []


def test_an_approval_that_already_expired_is_skipped(stack: OfflineStack) -> None:
    assert invoke(stack, fresh("approval-request.json", expires="2020-01-01T00:00Z")) == (
        {"mails": 0}, [])


def test_a_redelivered_message_mails_nobody_twice(stack: OfflineStack) -> None:
    event = fresh("approval-request.json")
    first, mails = invoke(stack, event)
    assert first == {"mails": 2} and len(mails) == 2
    for _ in range(3):
        assert invoke(stack, event) == ({"mails": 0}, [])


def test_a_retry_after_a_partial_failure_mails_only_who_was_missed(stack: OfflineStack) -> None:
    event = fresh("approval-request.json")
    token = json.loads(event["Records"][0]["Sns"]["Message"])["approval"]["token"]
    digest = token_digest(token)
    invoke(stack, event)
    # Forget that bob's mail went out, as if the first delivery had failed on it.
    stack.table.update_item(Key={"request_id": digest}, UpdateExpression="REMOVE mails.#r",
                            ExpressionAttributeNames={"#r": "bob@example.com"})
    result, mails = invoke(stack, event)
    assert result == {"mails": 1} and [m.recipient for m in mails] == ["bob@example.com"]


def test_mails_show_the_revision_branch_and_trigger(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    mail = approval.mails[0]
    assert "Branch" in mail.text and "main" in mail.text
    assert "Revision" in mail.text and "Trigger" in mail.text
    assert approval.execution_id in mail.text


def test_a_failed_send_is_retried_then_dead_lettered(stack: OfflineStack) -> None:
    sender = stack.parameters["SenderEmail"]
    boto3.client("ses").delete_identity(Identity=sender)  # SES now rejects every send
    try:
        event = fresh("approval-request.json")
        assert stack.invoke_notify(event) is None
        dead = stack.dead_letters()
        assert [d["Records"][0]["Sns"]["Message"] for d in dead] == [
            event["Records"][0]["Sns"]["Message"]]
    finally:
        boto3.client("sesv2").create_email_identity(EmailIdentity=sender)
