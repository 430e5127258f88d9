"""The scheduled sweep, driven with a fake clock: reminders, escalation, expiry, supersession
and decisions whose submission was interrupted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from greenlight.ballots import sign_vote
from greenlight.links import read_link
from greenlight.pipeline import NotPending
from greenlight.reminders import Sweep, sweep
from greenlight.rendering import Templates
from greenlight.store import get_request
from greenlight.voting import review
from local.offline import LOCAL_SIGNING_KEY, LOCAL_VOTE_KEY
from local.stack import Mail, OfflineStack
from tests.adversarial.observe import observed
from tests.offline import (
    execution_status,
    links_in,
    load_pipeline,
    open_link,
    run_to_approval,
    stage_statuses,
    submit,
    wait_until,
)

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


def sweep_at(stack: OfflineStack, now: datetime, codepipeline: Any = None) -> Sweep:
    result = sweep(table=stack.table, codepipeline=codepipeline or boto3.client("codepipeline"),
                   sesv2=boto3.client("sesv2"), sender=stack.parameters["SenderEmail"],
                   keys=[LOCAL_SIGNING_KEY], vote_keys=[LOCAL_VOTE_KEY], api_url=stack.api_url,
                   templates=Templates(), now=now)
    stack.collect_mails()
    return result


class ManyNewerRuns:
    """A CodePipeline client behind which hundreds of newer action executions come first in
    every unfiltered ListActionExecutions (or in every one, with `everywhere`)."""

    def __init__(self, everywhere: bool = False) -> None:
        self.client = boto3.client("codepipeline")
        self.everywhere = everywhere

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def list_action_executions(self, **request: Any) -> dict[str, Any]:
        if "filter" in request and not self.everywhere:
            return dict(self.client.list_action_executions(**request))
        page = int(request.get("nextToken") or 0)
        newer = [{"pipelineExecutionId": str(uuid.uuid4()), "stageName": "Approval",
                  "actionName": "ManualApproval", "status": "Succeeded",
                  "output": {"executionResult": {"externalExecutionId": str(uuid.uuid4())}}}
                 for _ in range(100)]
        return {"actionExecutionDetails": newer, "nextToken": str(page + 1)}


def write_votes(stack: OfflineStack, request_id: str, votes: dict[str, dict[str, str]]) -> None:
    """Put votes into the table directly, as anyone with UpdateItem on it could."""
    names = {f"#v{i}": approver for i, approver in enumerate(votes)}
    values = {f":v{i}": vote for i, vote in enumerate(votes.values())}
    stack.table.update_item(
        Key={"request_id": request_id},
        UpdateExpression="SET " + ", ".join(f"votes.#v{i} = :v{i}" for i in range(len(votes))),
        ExpressionAttributeNames=names, ExpressionAttributeValues=values)


def genuine_vote(request_id: str, approver: str, comment: str, at: datetime) -> dict[str, str]:
    return {"decision": "approve", "comment": comment, "at": at.isoformat(),
            "mac": sign_vote([LOCAL_VOTE_KEY], request_id, approver, "approve", at, comment)}


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
    write_votes(stack, approval.request_id, {
        ALICE: genuine_vote(approval.request_id, ALICE, "one", now),
        BOB: genuine_vote(approval.request_id, BOB, "two", now)})
    result = sweep_at(stack, now + timedelta(minutes=1))
    assert result.decided >= 1
    wait_until(lambda: execution_status(stack, quorum, approval.execution_id) == "Succeeded",
               what="the run to succeed")
    assert _record(stack, approval)["status"] == "approved"


def test_the_scheduled_handler_runs_against_the_stack(stack: OfflineStack) -> None:
    result = stack.invoke_remind()
    assert set(result) == {"checked", "closed", "decided", "reminded", "escalated", "failed",
                           "unconfirmed", "forged", "told", "slack_failed", "altered"}
    assert result["failed"] == 0


def _record(stack: OfflineStack, approval: Any) -> dict[str, Any]:
    return dict(stack.table.get_item(Key={"request_id": approval.request_id})["Item"])


# --- votes that do not verify, and answers CodePipeline did not give ---

@pytest.mark.parametrize("mac", ["none", "another key"])
def test_votes_forged_in_the_table_are_never_submitted(stack: OfflineStack, quorum: str,
                                                       mac: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    now = datetime.now(UTC)
    forged = {who: {"decision": "approve", "comment": "lgtm", "at": now.isoformat()}
              for who in (ALICE, BOB)}
    if mac == "another key":
        for who, vote in forged.items():
            vote["mac"] = sign_vote(["not-the-vote-key-" + "x" * 32], approval.request_id,
                                    who, "approve", now, "lgtm")
    write_votes(stack, approval.request_id, forged)

    with observed(stack.engine) as calls:
        result = stack.invoke_remind()

    assert calls.count("PutApprovalResult") == 0
    assert result["forged"] >= 2 and result["decided"] == 0
    assert stage_statuses(stack, quorum)["Approval"] == "InProgress"
    assert _record(stack, approval)["status"] == "pending"
    # Nowhere shown as votes: the review page still waits on every approver.
    page = open_link(approval.link(CAROL, "Approve")).text
    assert "0 of 2 approvals" in page and "alice@example.com, bob@example.com" in page


def test_a_forged_vote_does_not_complete_a_genuine_one(stack: OfflineStack,
                                                       quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    write_votes(stack, approval.request_id, {BOB: {
        "decision": "approve", "comment": "", "at": datetime.now(UTC).isoformat()}})
    with observed(stack.engine) as calls:
        assert submit(approval.link(ALICE, "Approve"), "yes").status_code == 200
    assert calls.count("PutApprovalResult") == 0
    assert stage_statuses(stack, quorum)["Approval"] == "InProgress"
    assert _record(stack, approval)["status"] == "pending"


def test_a_request_moved_to_deciding_without_genuine_votes_is_reopened(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    stack.table.update_item(Key={"request_id": approval.request_id},
                            UpdateExpression="SET #s = :deciding",
                            ExpressionAttributeNames={"#s": "status"},
                            ExpressionAttributeValues={":deciding": "deciding"})
    sweep_at(stack, datetime.now(UTC) + timedelta(minutes=10))
    assert _record(stack, approval)["status"] == "pending"
    assert stage_statuses(stack, quorum)["Approval"] == "InProgress"


def test_a_parallel_request_is_not_closed_after_many_newer_runs(stack: OfflineStack,
                                                                name: str) -> None:
    pipeline = load_pipeline(stack, "parallel.json", name)
    approval = run_to_approval(stack, pipeline)
    sweep_at(stack, datetime.now(UTC), ManyNewerRuns())
    assert _record(stack, approval)["status"] == "pending"
    assert mails(stack, pipeline, "No longer needed") == []
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"


def test_an_unknown_outcome_never_closes_a_request(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "parallel.json", name)
    approval = run_to_approval(stack, pipeline)
    blind = ManyNewerRuns(everywhere=True)  # the token is in no page CodePipeline gives

    result = sweep_at(stack, datetime.now(UTC), blind)
    assert result.unconfirmed >= 1
    link = approval.link(ALICE, "Approve").rsplit("/", 1)[1]
    claims = read_link(link, [LOCAL_SIGNING_KEY], datetime.now(UTC))
    told: list[Any] = []
    with pytest.raises(NotPending) as raised:
        review(claims, codepipeline=blind, table=stack.table, now=datetime.now(UTC),
               tell=told.append, vote_keys=[LOCAL_VOTE_KEY], seal_keys=[LOCAL_SIGNING_KEY])
    assert raised.value.outcome.reason == "unknown"

    record = get_request(stack.table, approval.request_id)
    assert record is not None and record.status == "pending" and told == []
    assert mails(stack, pipeline, "No longer needed") == []
    # Asked plainly, CodePipeline says it waits: the link still works.
    assert submit(approval.link(ALICE, "Approve"), "ok").status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")
