"""The scheduled sweep, driven with a fake clock: reminders, escalation, expiry, supersession
and decisions whose submission was interrupted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from greenlight.reminders import Sweep, sweep
from greenlight.rendering import Templates
from local.offline import LOCAL_SIGNING_KEY
from local.stack import Mail, OfflineStack
from tests.offline import (
    execution_status,
    links_in,
    run_to_approval,
    submit,
    wait_until,
)

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


def sweep_at(stack: OfflineStack, now: datetime) -> Sweep:
    result = sweep(table=stack.table, codepipeline=boto3.client("codepipeline"),
                   sesv2=boto3.client("sesv2"), sender=stack.parameters["SenderEmail"],
                   keys=[LOCAL_SIGNING_KEY], api_url=stack.api_url, templates=Templates(),
                   now=now)
    stack.collect_mails()
    return result


def mails(stack: OfflineStack, pipeline: str, prefix: str) -> list[Mail]:
    return [m for m in stack.mails if m.subject.startswith(prefix) and pipeline in m.subject]


def test_approvers_who_have_not_voted_are_reminded_every_interval(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    start = datetime.now(UTC)
    submit(approval.link(ALICE, "Approve"), "yes")
    sweep_at(stack, start + timedelta(minutes=239))
    assert mails(stack, quorum, "Reminder") == []
    sweep_at(stack, start + timedelta(minutes=241))
    reminders = mails(stack, quorum, "Reminder")
    assert sorted(m.recipient for m in reminders) == [BOB, CAROL]
    assert all("Reminder: " in m.html and "/approvals/" in m.html for m in reminders)
    sweep_at(stack, start + timedelta(minutes=300))  # not again within the interval
    assert len(mails(stack, quorum, "Reminder")) == 2
    sweep_at(stack, start + timedelta(minutes=482))
    assert len(mails(stack, quorum, "Reminder")) == 4
    # A reminder's link works like the first mail's.
    bob = next(m for m in reminders if m.recipient == BOB)
    assert submit(links_in(bob)["Approve"], "ok").status_code == 200
    wait_until(lambda: execution_status(stack, quorum, approval.execution_id) == "Succeeded",
               what="the run to succeed")


def test_the_escalation_contact_hears_once_before_expiry(stack: OfflineStack,
                                                         quorum: str) -> None:
    run_to_approval(stack, quorum, expected_mails=3)
    start = datetime.now(UTC)
    sweep_at(stack, start + timedelta(days=6))  # 24 h left: not yet (720 minutes)
    assert mails(stack, quorum, "Approval about to expire") == []
    sweep_at(stack, start + timedelta(days=6, hours=13))  # 11 h left
    sweep_at(stack, start + timedelta(days=6, hours=14))
    escalations = mails(stack, quorum, "Approval about to expire")
    assert [m.recipient for m in escalations] == ["ops-lead@example.com"]
    assert "Waiting for: alice@example.com, bob@example.com, carol@example.com" in \
        escalations[0].text
    assert "/approvals/" not in escalations[0].html


def test_an_expired_approval_is_closed_and_everyone_is_told(stack: OfflineStack,
                                                             quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    submit(approval.link(ALICE, "Approve"), "yes")
    stack.time_offset = timedelta(days=7, minutes=1)
    wait_until(lambda: execution_status(stack, quorum, approval.execution_id) == "Failed",
               what="CodePipeline to expire the approval")
    result = sweep_at(stack, datetime.now(UTC) + stack.time_offset)
    assert result.closed >= 1
    outcome = mails(stack, quorum, "Expired")
    assert sorted(m.recipient for m in outcome) == [ALICE, BOB, CAROL, "releases@example.com"]
    assert "alice@example.com" in outcome[0].text  # the vote that was cast is listed
    record = _record(stack, approval)
    assert record["status"] == "expired" and "pending" not in record


def test_a_stopped_run_is_closed_as_superseded(stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    stack.engine.call("StopPipelineExecution", {
        "pipelineName": quorum, "pipelineExecutionId": approval.execution_id,
        "abandon": True})
    sweep_at(stack, datetime.now(UTC))
    assert _record(stack, approval)["status"] == "superseded"
    assert len(mails(stack, quorum, "No longer needed")) == 4
    late = submit(approval.link(BOB, "Approve"), "late")
    assert late.status_code == 409 and "<form" not in late.text


def test_a_decision_interrupted_after_the_votes_is_completed(stack: OfflineStack,
                                                             quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    # Two votes are in but the submission never happened (the function timed out, say).
    now = datetime.now(UTC)
    stack.table.update_item(
        Key={"request_id": approval.request_id},
        UpdateExpression="SET votes.#a = :a, votes.#b = :b",
        ExpressionAttributeNames={"#a": ALICE, "#b": BOB},
        ExpressionAttributeValues={
            ":a": {"decision": "approve", "comment": "one", "at": now.isoformat()},
            ":b": {"decision": "approve", "comment": "two", "at": now.isoformat()}})
    result = sweep_at(stack, now + timedelta(minutes=1))
    assert result.decided >= 1
    wait_until(lambda: execution_status(stack, quorum, approval.execution_id) == "Succeeded",
               what="the run to succeed")
    assert _record(stack, approval)["status"] == "approved"


def test_the_scheduled_handler_runs_against_the_stack(stack: OfflineStack) -> None:
    result = stack.invoke_remind()
    assert set(result) == {"checked", "closed", "decided", "reminded", "escalated", "failed"}
    assert result["failed"] == 0


def _record(stack: OfflineStack, approval: Any) -> dict[str, Any]:
    return dict(stack.table.get_item(Key={"request_id": approval.request_id})["Item"])
