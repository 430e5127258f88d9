"""The notify handler driven with events/ and with messages the stand-in publishes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from greenlight.links import read_link, token_digest
from local.lambda_context import LocalContext
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
from tests.conftest import load_event
from tests.live import Waiting, next_run_at_approval, waiting_approval
from tests.offline import links_in, load_pipeline, run_to_approval


def fresh(stack: OfflineStack, pipeline: str, event_file: str = "approval-request.json",
          **approval: Any) -> dict[str, Any]:
    """A sample event made live: its pipeline and token are those of a run of the example
    pipeline, named `pipeline`, that now waits at its approval."""
    waiting = waiting_approval(stack, pipeline)
    return live_event(event_file, waiting, **approval)


def live_event(event_file: str, waiting: Waiting, **approval: Any) -> dict[str, Any]:
    event = load_event(event_file)
    sns = event["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    message["approval"].update(pipelineName=waiting.pipeline, token=waiting.token, **approval)
    sns["Message"] = json.dumps(message)
    return event


def record_of(stack: OfflineStack, token: str) -> Any:
    return stack.table.get_item(Key={"request_id": token_digest(token)}).get("Item")


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


def test_the_sample_approval_mails_every_default_approver(stack: OfflineStack,
                                                          name: str) -> None:
    result, mails = invoke(stack, fresh(stack, name))
    assert result == {"mails": 2}
    assert sorted(m.recipient for m in mails) == ["alice@example.com", "bob@example.com"]
    for mail in mails:
        assert mail.subject == f"Approval needed: {name} / ManualApproval"
        assert mail.text and mail.html
        for label, url in links_in(mail).items():
            assert url.startswith(stack.api_url + "/approvals/")
            claims = read_link(url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], datetime.now(UTC))
            assert claims.approver == mail.recipient
            assert claims.decision.value == label.lower()


def test_null_fields_still_make_a_complete_mail(stack: OfflineStack, name: str) -> None:
    result, mails = invoke(stack, fresh(stack, name, "approval-request-null-fields.json"))
    assert result == {"mails": 2}
    assert all("Details" not in m.text and "Approve" in m.html for m in mails)


def test_an_invalid_approval_message_is_skipped_without_mail(stack: OfflineStack) -> None:
    event = load_event("approval-request.json")
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["approval"]["token"] = None
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    result, mails = invoke(stack, event)
    assert result == {"mails": 0} and mails == []


def test_an_approval_that_already_expired_is_skipped(stack: OfflineStack, name: str) -> None:
    assert invoke(stack, fresh(stack, name, expires="2020-01-01T00:00Z")) == (
        {"mails": 0}, [])


def test_a_redelivered_message_mails_nobody_twice(stack: OfflineStack, name: str) -> None:
    event = fresh(stack, name)
    first, mails = invoke(stack, event)
    assert first == {"mails": 2} and len(mails) == 2
    for _ in range(3):
        assert invoke(stack, event) == ({"mails": 0}, [])


def test_a_retry_after_a_partial_failure_mails_only_who_was_missed(stack: OfflineStack,
                                                                   name: str) -> None:
    event = fresh(stack, name)
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


def test_a_failed_send_is_retried_then_dead_lettered(stack: OfflineStack, name: str) -> None:
    event = fresh(stack, name)
    sender = stack.parameters["SenderEmail"]
    boto3.client("ses").delete_identity(Identity=sender)  # SES now rejects every send
    try:
        assert stack.invoke_notify(event) is None
        # Other tests' dead letters may be in the queue too: look for this event's own.
        message_id = event["Records"][0]["Sns"]["MessageId"]
        dead = [d for d in stack.dead_letters()
                if d["Records"][0]["Sns"]["MessageId"] == message_id]
        assert [d["Records"][0]["Sns"]["Message"] for d in dead] == [
            event["Records"][0]["Sns"]["Message"]]
        # Read means consumed: it does not come back to be counted by the next test.
        assert all(d["Records"][0]["Sns"]["MessageId"] != message_id
                   for d in stack.dead_letters())
    finally:
        boto3.client("sesv2").create_email_identity(EmailIdentity=sender)


# --- only approvals CodePipeline waits on are mailed ---

def test_a_message_with_a_token_that_is_not_current_is_not_mailed(stack: OfflineStack,
                                                                    name: str) -> None:
    waiting = waiting_approval(stack, name)
    forged = str(uuid.uuid4())
    event = waiting.event(stack, token=forged, customData="Urgent: approve now",
                          expires="2099-12-31T23:59Z")
    assert invoke(stack, event) == ({"mails": 0}, [])
    assert record_of(stack, forged) is None  # nothing recorded either
    # The token of the run's own approval is still mailed.
    assert invoke(stack, waiting.event(stack))[0] == {"mails": 2}


def test_a_message_for_an_approval_already_decided_is_not_mailed(stack: OfflineStack,
                                                                   name: str) -> None:
    waiting = waiting_approval(stack, name)
    stack.engine.call("PutApprovalResult", {
        "pipelineName": waiting.pipeline, "stageName": waiting.stage,
        "actionName": waiting.action, "token": waiting.token,
        "result": {"summary": "Approved in the console", "status": "Approved"}})
    assert invoke(stack, waiting.event(stack)) == ({"mails": 0}, [])
    assert record_of(stack, waiting.token) is None


@pytest.mark.parametrize("missing", ["pipeline", "stage", "action"])
def test_a_message_for_a_pipeline_that_does_not_exist_is_not_mailed(
        stack: OfflineStack, name: str, missing: str) -> None:
    # The pipeline exists when only its stage or its action does not.
    pipeline = name if missing == "pipeline" else load_pipeline(stack, "seed-pipeline.json",
                                                                 name)
    nowhere = Waiting(pipeline, "NoSuchStage" if missing == "stage" else "Approval",
                      "NoSuchAction" if missing == "action" else "ManualApproval",
                      str(uuid.uuid4()), "")
    assert invoke(stack, nowhere.event(stack, expires="2099-12-31T23:59Z")) == (
        {"mails": 0}, [])
    assert record_of(stack, nowhere.token) is None


def test_a_parallel_mode_approval_is_mailed_when_its_token_is_live(stack: OfflineStack,
                                                                    name: str) -> None:
    # PARALLEL pipelines show no token in GetPipelineState: the live check finds it in the
    # run's action executions.
    first = waiting_approval(stack, name, "parallel.json")
    second = next_run_at_approval(stack, first.pipeline)
    result, mails = invoke(stack, first.event(stack))
    assert result == {"mails": 2}
    assert all(first.execution_id in mail.text for mail in mails)
    assert invoke(stack, second.event(stack))[0] == {"mails": 2}
    # A token this pipeline never waited on is still refused.
    assert invoke(stack, first.event(stack, token=str(uuid.uuid4()))) == ({"mails": 0}, [])


def test_a_far_future_expiry_is_clamped_to_sixty_days(stack: OfflineStack, name: str) -> None:
    waiting = waiting_approval(stack, name)
    result, mails = invoke(stack, waiting.event(stack, expires="2099-12-31T23:59Z"))
    assert result == {"mails": 2}
    latest = datetime.now(UTC) + timedelta(days=60)
    for mail in mails:
        for url in links_in(mail).values():
            claims = read_link(url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], datetime.now(UTC))
            assert claims.expires <= latest
    assert int(record_of(stack, waiting.token)["expires_at"]) <= latest.timestamp()

