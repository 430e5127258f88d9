"""Is the approval still waiting on this link's token? Checked against model-validated stubs."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from greenlight.approval import ApprovalRequest
from greenlight.links import ApprovalContext, Decision, LinkClaims, token_digest
from greenlight.pipeline import (
    MAX_SUMMARY,
    LiveApproval,
    NotLive,
    NotPending,
    PendingApproval,
    confirm_live,
    decision_summary,
    find_pending,
    submit_decision,
)

TOKEN = "3f0e9a52-5b7c-4f1e-9d3a-6c2b8e41a7d0"
NEWER = "9b1f0d8e-1111-4c2d-8e3f-aaaaaaaaaaaa"
EXECUTION = "b3c1d2e4-5f67-4a89-9b0c-1d2e3f4a5b6c"
CHANGED = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

CLAIMS = LinkClaims(
    pipeline="payments", stage="Approval", action="ManualApproval",
    token_digest=token_digest(TOKEN), approver="alice@example.com", decision=Decision.APPROVE,
    expires=CHANGED + timedelta(days=7), context=ApprovalContext(region="us-east-1"),
)


@pytest.fixture
def codepipeline() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("codepipeline", region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def state(action_execution: dict[str, Any] | None, *others: dict[str, Any]) -> dict[str, Any]:
    approval: dict[str, Any] = {"actionName": "ManualApproval"}
    if action_execution is not None:
        approval["latestExecution"] = action_execution
    return {
        "pipelineName": "payments",
        "pipelineVersion": 3,
        "stageStates": [
            {"stageName": "Build", "latestExecution": {"pipelineExecutionId": EXECUTION,
                                                       "status": "Succeeded"},
             "actionStates": [{"actionName": "Build", "latestExecution": {"status": "Succeeded"}}]},
            {"stageName": "Approval",
             "latestExecution": {"pipelineExecutionId": EXECUTION, "status": "InProgress"},
             "actionStates": [approval, *others]},
            {"stageName": "Deploy", "actionStates": [{"actionName": "Deploy"}]},
        ],
    }


def history(*details: dict[str, Any]) -> dict[str, Any]:
    return {"actionExecutionDetails": list(details)}


def approval_detail(token: str, status: str, summary: str | None = None,
                    execution: str = EXECUTION) -> dict[str, Any]:
    result: dict[str, Any] = {"externalExecutionId": token}
    if summary:
        result["externalExecutionSummary"] = summary
    return {"pipelineExecutionId": execution, "actionExecutionId": "a-" + token[:8],
            "stageName": "Approval", "actionName": "ManualApproval", "status": status,
            "input": {"actionTypeId": {"category": "Approval", "owner": "AWS",
                                       "provider": "Manual", "version": "1"}},
            "output": {"executionResult": result}}


def test_the_current_token_is_pending_after_one_call(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state(
        {"status": "InProgress", "token": TOKEN, "lastStatusChange": CHANGED}),
        {"name": "payments"})
    assert find_pending(client, CLAIMS) == PendingApproval(TOKEN, EXECUTION)


def test_a_stale_link_is_superseded_when_a_newer_run_waits(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress", "token": NEWER}))
    stub.add_response("list_action_executions", history(
        approval_detail(NEWER, "InProgress"), approval_detail(TOKEN, "Abandoned")))
    with pytest.raises(NotPending) as raised:
        find_pending(client, CLAIMS)
    assert raised.value.outcome.reason == "superseded"


def test_a_stale_link_with_no_history_left_is_still_superseded(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress", "token": NEWER}))
    stub.add_response("list_action_executions", history())
    with pytest.raises(NotPending) as raised:
        find_pending(client, CLAIMS)
    assert raised.value.outcome.reason == "superseded"


def test_an_approved_request_reports_who_approved_it(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({
        "status": "Succeeded", "token": TOKEN, "summary": "Approved by bob@example.com",
        "lastUpdatedBy": "arn:aws:sts::123456789012:assumed-role/greenlight/bob",
        "lastStatusChange": CHANGED}))
    with pytest.raises(NotPending) as raised:
        find_pending(client, CLAIMS)
    outcome = raised.value.outcome
    assert (outcome.reason, outcome.summary) == ("approved", "Approved by bob@example.com")
    assert outcome.changed_at == CHANGED


def test_an_expired_request_is_reported_as_expired(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({}))
    stub.add_response("list_action_executions", history(
        approval_detail(TOKEN, "Failed", "Approval request expired")))
    with pytest.raises(NotPending) as raised:
        find_pending(client, CLAIMS)
    assert raised.value.outcome.reason == "expired"


def test_parallel_mode_finds_the_token_in_the_action_history(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress"}))
    stub.add_response("list_action_executions", {
        "actionExecutionDetails": [approval_detail(NEWER, "InProgress", execution="e-2")],
        "nextToken": "page-2"})
    stub.add_response("list_action_executions",
                      history(approval_detail(TOKEN, "InProgress", execution="e-1")),
                      {"pipelineName": "payments", "maxResults": 100, "nextToken": "page-2"})
    assert find_pending(client, CLAIMS) == PendingApproval(TOKEN, "e-1")


def test_a_parallel_request_is_not_closed_after_many_newer_runs(codepipeline: Any) -> None:
    # Hundreds of newer action executions would push the approval past the pages read; asked
    # for its own run only, CodePipeline answers with it on the first page.
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress"}))
    stub.add_response("list_action_executions",
                      history(approval_detail(TOKEN, "InProgress", execution="e-1")),
                      {"pipelineName": "payments", "maxResults": 100,
                       "filter": {"pipelineExecutionId": "e-1"}})
    assert find_pending(client, CLAIMS, "e-1") == PendingApproval(TOKEN, "e-1")


def test_a_token_missing_from_the_history_read_is_unknown_not_superseded(
        codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress"}))
    for page in range(5):
        stub.add_response("list_action_executions", {
            "actionExecutionDetails": [approval_detail(NEWER, "InProgress", execution="e-9")],
            "nextToken": f"page-{page + 2}"})
    with pytest.raises(NotPending) as raised:
        find_pending(client, CLAIMS)
    assert raised.value.outcome.reason == "unknown"


def test_a_run_codepipeline_no_longer_knows_is_gone(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress"}))
    stub.add_client_error("list_action_executions", "PipelineExecutionNotFoundException")
    with pytest.raises(NotPending) as raised:
        find_pending(client, CLAIMS, "e-gone")
    assert raised.value.outcome.reason == "gone"


REQUEST = ApprovalRequest(region="us-east-1", pipeline="payments", stage="Approval",
                          action="ManualApproval", token=TOKEN,
                          expires=CHANGED + timedelta(days=7))


def test_an_approval_codepipeline_waits_on_is_live(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress", "token": TOKEN}),
                      {"name": "payments"})
    assert confirm_live(client, REQUEST) == LiveApproval(EXECUTION)


@pytest.mark.parametrize("latest", [
    {"status": "InProgress", "token": NEWER},
    {"status": "Succeeded", "token": TOKEN},
])
def test_a_token_that_is_not_current_is_not_live(codepipeline: Any,
                                                 latest: dict[str, Any]) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state(latest))
    if latest["token"] != TOKEN:
        stub.add_response("list_action_executions", history(
            approval_detail(NEWER, "InProgress"), approval_detail(TOKEN, "Abandoned")))
    with pytest.raises(NotLive):
        confirm_live(client, REQUEST)


def test_a_parallel_mode_token_is_live_when_its_execution_waits(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress"}))
    stub.add_response("list_action_executions", history(
        approval_detail(NEWER, "InProgress", execution="e-2"),
        approval_detail(TOKEN, "InProgress", execution="e-1")))
    assert confirm_live(client, REQUEST) == LiveApproval("e-1")


@pytest.mark.parametrize("change", [{"pipeline": "nowhere"}, {"action": "Other"}])
def test_an_approval_of_no_such_pipeline_or_action_is_not_live(
        codepipeline: Any, change: dict[str, str]) -> None:
    client, stub = codepipeline
    if "pipeline" in change:
        stub.add_client_error("get_pipeline_state", "PipelineNotFoundException")
    else:
        stub.add_response("get_pipeline_state", state({"status": "InProgress",
                                                       "token": TOKEN}))
    with pytest.raises(NotLive):
        confirm_live(client, dataclasses.replace(REQUEST, **change))


def test_a_live_check_that_cannot_be_made_raises_to_be_retried(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_client_error("get_pipeline_state", "ThrottlingException", http_status_code=400)
    with pytest.raises(Exception) as raised:
        confirm_live(client, REQUEST)
    assert not isinstance(raised.value, NotLive)


def test_a_deleted_pipeline_is_gone(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_client_error("get_pipeline_state", "PipelineNotFoundException")
    with pytest.raises(NotPending) as raised:
        find_pending(client, CLAIMS)
    assert raised.value.outcome.reason == "gone"


def test_a_renamed_action_is_gone(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("get_pipeline_state", state({"status": "InProgress", "token": TOKEN}))
    with pytest.raises(NotPending):
        find_pending(client, dataclasses.replace(CLAIMS, action="Other"))


def test_throttling_is_not_mistaken_for_an_answer(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_client_error("get_pipeline_state", "ThrottlingException", http_status_code=400)
    with pytest.raises(Exception) as raised:
        find_pending(client, CLAIMS)
    assert not isinstance(raised.value, NotPending)


def test_the_decision_is_submitted_with_the_token_from_codepipeline(codepipeline: Any) -> None:
    client, stub = codepipeline
    stub.add_response("put_approval_result", {"approvedAt": CHANGED}, {
        "pipelineName": "payments", "stageName": "Approval", "actionName": "ManualApproval",
        "result": {"summary": "Approved by alice@example.com via Greenlight",
                   "status": "Approved"},
        "token": TOKEN})
    submit_decision(client, CLAIMS.ref, Decision.APPROVE, PendingApproval(TOKEN),
                    "Approved by alice@example.com via Greenlight")


@pytest.mark.parametrize(("code", "reason"), [
    ("InvalidApprovalTokenException", "superseded"),
    ("ApprovalAlreadyCompletedException", "finished"),
    ("ActionNotFoundException", "gone"),
])
def test_a_lost_race_becomes_not_pending(codepipeline: Any, code: str, reason: str) -> None:
    client, stub = codepipeline
    stub.add_client_error("put_approval_result", code)
    with pytest.raises(NotPending) as raised:
        submit_decision(client, CLAIMS.ref, Decision.APPROVE, PendingApproval(TOKEN), "x")
    assert raised.value.outcome.reason == reason


def test_a_summary_names_the_approver_and_keeps_the_comment() -> None:
    assert decision_summary(Decision.APPROVE, ["alice@example.com"], "  Looks\r\ngood ") == \
        "Approved by alice@example.com via Greenlight: Looks good"
    assert decision_summary(Decision.REJECT, ["bob@example.com"], "") == \
        "Rejected by bob@example.com via Greenlight"


def test_a_long_summary_is_cut_to_512_characters() -> None:
    summary = decision_summary(Decision.REJECT, ["bob@example.com"], "word " * 300)
    assert len(summary) == MAX_SUMMARY and summary.endswith("…")
    assert summary.startswith("Rejected by bob@example.com via Greenlight: word")


def test_a_summary_names_every_approver_before_any_comment() -> None:
    approvers = [f"approver{i}@example.com" for i in range(3)]
    summary = decision_summary(Decision.APPROVE, approvers, "x" * 600)
    assert summary.startswith("Approved by approver0@example.com, approver1@example.com, "
                              "approver2@example.com via Greenlight: xxx")
    assert len(summary) == MAX_SUMMARY


def test_a_summary_with_too_many_approvers_says_how_many_more() -> None:
    approvers = [f"someone.with.a.long.name{i}@example.com" for i in range(40)]
    summary = decision_summary(Decision.APPROVE, approvers)
    assert len(summary) <= MAX_SUMMARY
    assert "more via Greenlight" in summary and approvers[0] in summary
