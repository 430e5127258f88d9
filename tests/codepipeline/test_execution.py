"""How executions move through stages, actions and approvals in the CodePipeline stand-in."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from local.codepipeline.engine import Engine, ServiceError
from tests.codepipeline.scenario import (
    START,
    TOPIC,
    FakeClock,
    Outbox,
    action_executions,
    action_state,
    decide,
    declaration,
    execution_status,
    make_engine,
    run_for,
    statuses,
    token_of,
)

DEMO = "greenlight-demo"
# Source, then Build and Lint together, then Package: 3 action steps of 0.5 s.
TO_APPROVAL = 1.5


def start_to_approval(engine: Engine, clock: FakeClock, pipeline: str = DEMO) -> str:
    execution_id = engine.start_execution(pipeline)
    run_for(engine, clock, TO_APPROVAL)
    return execution_id


@pytest.fixture
def demo(engine: Engine) -> Engine:
    engine.update_pipeline(declaration())
    return engine


def error_code(call: Any) -> str:
    with pytest.raises(ServiceError) as raised:
        call()
    return raised.value.code


def test_build_and_lint_start_together_and_package_starts_after_both(
    demo: Engine, clock: FakeClock
) -> None:
    execution_id = demo.start_execution(DEMO)
    assert statuses(demo, DEMO) == {
        "Source": "InProgress",
        "Build": "None",
        "Approval": "None",
        "Deploy": "None",
    }
    run_for(demo, clock, 0.5)
    build_states = {
        name: action_state(demo, DEMO, "Build", name).get("latestExecution", {}).get("status")
        for name in ("Build", "Lint", "Package")
    }
    assert build_states == {"Build": "InProgress", "Lint": "InProgress", "Package": None}
    run_for(demo, clock, 0.5)
    assert action_state(demo, DEMO, "Build", "Package")["latestExecution"]["status"] == "InProgress"
    run_for(demo, clock, 0.5)
    starts = {
        detail["actionName"]: detail["startTime"]
        for detail in action_executions(demo, DEMO, filter={"pipelineExecutionId": execution_id})
    }
    assert starts["Build"] == starts["Lint"] == starts["Source"].replace(microsecond=500000)
    assert (starts["Package"] - starts["Build"]).total_seconds() == 0.5
    assert statuses(demo, DEMO)["Build"] == "Succeeded"
    assert statuses(demo, DEMO)["Approval"] == "InProgress"


def test_a_failing_action_fails_its_stage_and_nothing_after_it_runs(
    demo: Engine, clock: FakeClock
) -> None:
    demo.fail_next(DEMO, "Build", "Lint")
    execution_id = start_to_approval(demo, clock)
    assert statuses(demo, DEMO) == {
        "Source": "Succeeded",
        "Build": "Failed",
        "Approval": "None",
        "Deploy": "None",
    }
    lint = action_state(demo, DEMO, "Build", "Lint")["latestExecution"]
    assert lint["status"] == "Failed"
    assert lint["errorDetails"]["code"] == "JobFailed"
    assert "latestExecution" not in action_state(demo, DEMO, "Build", "Package")
    assert execution_status(demo, DEMO, execution_id) == "Failed"
    # fail_next only affects the next run.
    second = start_to_approval(demo, clock)
    assert execution_status(demo, DEMO, second) == "InProgress"
    assert statuses(demo, DEMO)["Approval"] == "InProgress"


def test_an_approval_waits_with_a_token_and_publishes_the_exact_message(
    demo: Engine, clock: FakeClock, outbox: Outbox
) -> None:
    execution_id = start_to_approval(demo, clock)
    latest = action_state(demo, DEMO, "Approval", "ManualApproval")["latestExecution"]
    token = latest["token"]
    assert latest["status"] == "InProgress"
    assert len(outbox.sent) == 1
    topic, message = outbox.sent[0]
    assert topic == TOPIC
    commit = action_executions(demo, DEMO, filter={"pipelineExecutionId": execution_id})[-1][
        "output"
    ]["outputVariables"]["CommitId"]
    console = (
        "https://console.aws.amazon.com/codesuite/codepipeline/pipelines/greenlight-demo/view"
        "?region=us-east-1"
    )
    expected = (
        '{"region":"us-east-1",'
        f'"consoleLink":"{console}",'
        '"approval":{"pipelineName":"greenlight-demo","stageName":"Approval",'
        f'"actionName":"ManualApproval","token":"{token}","expires":"2026-12-04T10:15Z",'
        f'"externalEntityLink":"https://github.com/acme/webapp/commit/{commit}",'
        f'"approvalReviewLink":"{console}#/Approval/ManualApproval/approve/{token}",'
        f'"customData":"Release {commit} of acme/webapp from main to production."}}}}'
    )
    assert message == expected
    # Still waiting later on, and published once only.
    run_for(demo, clock, 5)
    assert len(outbox.sent) == 1
    assert token_of(demo, DEMO) == token


def test_an_approval_without_a_notification_arn_publishes_nothing(
    engine: Engine, clock: FakeClock, outbox: Outbox
) -> None:
    pipeline = declaration()
    pipeline["stages"][2]["actions"][0]["configuration"] = {}
    engine.update_pipeline(pipeline)
    start_to_approval(engine, clock)
    assert token_of(engine, DEMO)
    assert outbox.sent == []


def test_approving_runs_deploy_and_the_execution_succeeds(demo: Engine, clock: FakeClock) -> None:
    execution_id = start_to_approval(demo, clock)
    clock.advance(60)
    answer = decide(demo, DEMO, token_of(demo, DEMO), summary="Ship it")
    assert answer == {"approvedAt": clock.now}
    approval = action_state(demo, DEMO, "Approval", "ManualApproval")["latestExecution"]
    assert approval["status"] == "Succeeded"
    assert approval["summary"] == "Ship it"
    assert approval["lastUpdatedBy"] == demo.approver_arn
    assert "token" not in approval
    assert statuses(demo, DEMO)["Deploy"] == "InProgress"
    run_for(demo, clock, 0.5)
    assert statuses(demo, DEMO)["Deploy"] == "Succeeded"
    assert execution_status(demo, DEMO, execution_id) == "Succeeded"


def test_rejecting_fails_the_execution_and_deploy_never_runs(
    demo: Engine, clock: FakeClock
) -> None:
    execution_id = start_to_approval(demo, clock)
    decide(demo, DEMO, token_of(demo, DEMO), status="Rejected", summary="Not on a Friday")
    run_for(demo, clock, 5)
    approval = action_state(demo, DEMO, "Approval", "ManualApproval")["latestExecution"]
    assert (approval["status"], approval["summary"]) == ("Failed", "Not on a Friday")
    assert statuses(demo, DEMO) == {
        "Source": "Succeeded",
        "Build": "Succeeded",
        "Approval": "Failed",
        "Deploy": "None",
    }
    assert execution_status(demo, DEMO, execution_id) == "Failed"


def test_two_approval_actions_each_have_a_token_and_both_must_approve(
    engine: Engine, clock: FakeClock, outbox: Outbox
) -> None:
    name = "greenlight-two-approvers"
    engine.update_pipeline(declaration("two-approvers.json"))
    execution_id = start_to_approval(engine, clock, name)
    security = token_of(engine, name, action="SecurityApproval")
    release = token_of(engine, name, action="ReleaseApproval")
    assert security != release
    assert sorted(item["actionName"] for item in outbox.approvals()) == [
        "ReleaseApproval",
        "SecurityApproval",
    ]
    # A token only answers its own action.
    with pytest.raises(ServiceError) as raised:
        decide(engine, name, security, action="ReleaseApproval")
    assert raised.value.code == "InvalidApprovalTokenException"
    decide(engine, name, security, action="SecurityApproval")
    run_for(engine, clock, 5)
    assert statuses(engine, name)["Approval"] == "InProgress"
    assert statuses(engine, name)["Deploy"] == "None"
    decide(engine, name, release, action="ReleaseApproval")
    run_for(engine, clock, 0.5)
    assert statuses(engine, name)["Deploy"] == "Succeeded"
    assert execution_status(engine, name, execution_id) == "Succeeded"


def test_an_approval_expires_after_seven_days_by_default(demo: Engine, clock: FakeClock) -> None:
    execution_id = start_to_approval(demo, clock)
    token = token_of(demo, DEMO)
    clock.advance(days=7, seconds=-1)
    demo.tick()
    assert statuses(demo, DEMO)["Approval"] == "InProgress"
    clock.advance(1)
    assert demo.tick()
    approval = action_state(demo, DEMO, "Approval", "ManualApproval")["latestExecution"]
    assert (approval["status"], approval["summary"]) == ("Failed", "Approval request expired")
    assert approval["lastStatusChange"] == START + timedelta(days=7, seconds=TO_APPROVAL)
    assert execution_status(demo, DEMO, execution_id) == "Failed"
    assert error_code(lambda: decide(demo, DEMO, token)) == "InvalidApprovalTokenException"


def test_an_approval_expires_after_its_own_timeout(engine: Engine, clock: FakeClock) -> None:
    pipeline = declaration()
    pipeline["stages"][2]["actions"][0]["timeoutInMinutes"] = 30
    engine.update_pipeline(pipeline)
    start_to_approval(engine, clock)
    clock.advance(minutes=29)
    engine.tick()
    assert statuses(engine, DEMO)["Approval"] == "InProgress"
    clock.advance(minutes=1)
    engine.tick()
    assert statuses(engine, DEMO)["Approval"] == "Failed"


def test_a_decided_token_is_refused_as_already_completed(demo: Engine, clock: FakeClock) -> None:
    start_to_approval(demo, clock)
    token = token_of(demo, DEMO)
    decide(demo, DEMO, token)
    code = error_code(lambda: decide(demo, DEMO, token, status="Rejected"))
    assert code == "ApprovalAlreadyCompletedException"


def test_unknown_tokens_pipelines_stages_and_actions_are_refused(
    demo: Engine, clock: FakeClock
) -> None:
    start_to_approval(demo, clock)
    token = token_of(demo, DEMO)
    other = "00000000-0000-4000-8000-000000000000"
    assert error_code(lambda: decide(demo, DEMO, other)) == "InvalidApprovalTokenException"
    assert error_code(lambda: decide(demo, "nope", token)) == "PipelineNotFoundException"
    assert error_code(lambda: decide(demo, DEMO, token, stage="QA")) == "StageNotFoundException"
    assert (
        error_code(lambda: decide(demo, DEMO, token, action="Other")) == "ActionNotFoundException"
    )
    assert error_code(lambda: decide(demo, DEMO, "not-a-token")) == "ValidationException"


def test_a_newer_run_waits_behind_a_pending_approval_and_supersedes_older_waiting_runs(
    demo: Engine, clock: FakeClock, outbox: Outbox
) -> None:
    first = start_to_approval(demo, clock)
    first_token = token_of(demo, DEMO)
    second = start_to_approval(demo, clock)
    state = demo.call("GetPipelineState", {"name": DEMO})
    approval_stage = state["stageStates"][2]
    assert approval_stage["inboundExecution"]["pipelineExecutionId"] == second
    assert approval_stage["latestExecution"]["pipelineExecutionId"] == first
    third = start_to_approval(demo, clock)
    assert execution_status(demo, DEMO, second) == "Superseded"
    assert execution_status(demo, DEMO, third) == "InProgress"
    # The approval that holds the stage is untouched and its token still decides it.
    assert token_of(demo, DEMO) == first_token
    assert len(outbox.sent) == 1
    decide(demo, DEMO, first_token)
    assert token_of(demo, DEMO) != first_token
    assert outbox.approvals()[-1]["token"] == token_of(demo, DEMO)
    run_for(demo, clock, 0.5)
    assert execution_status(demo, DEMO, first) == "Succeeded"
    summary = demo.call(
        "GetPipelineExecution", {"pipelineName": DEMO, "pipelineExecutionId": second}
    )["pipelineExecution"]["statusSummary"]
    assert third in summary


def test_with_supersede_pending_approvals_a_newer_run_replaces_the_waiting_approval(
    clock: FakeClock, outbox: Outbox
) -> None:
    engine = make_engine(clock, outbox, supersede_pending_approvals=True)
    engine.update_pipeline(declaration())
    first = start_to_approval(engine, clock)
    old_token = token_of(engine, DEMO)
    second = start_to_approval(engine, clock)
    assert execution_status(engine, DEMO, first) == "Superseded"
    new_token = token_of(engine, DEMO)
    assert new_token != old_token
    assert [item["token"] for item in outbox.approvals()] == [old_token, new_token]
    code = error_code(lambda: decide(engine, DEMO, old_token))
    assert code == "InvalidApprovalTokenException"
    history = action_executions(engine, DEMO, filter={"pipelineExecutionId": first})
    old = next(item for item in history if item["actionName"] == "ManualApproval")
    assert old["status"] == "Abandoned"
    decide(engine, DEMO, new_token)
    run_for(engine, clock, 0.5)
    assert execution_status(engine, DEMO, second) == "Succeeded"


def test_stopping_with_abandon_ends_the_approval_and_its_token(
    demo: Engine, clock: FakeClock
) -> None:
    execution_id = start_to_approval(demo, clock)
    token = token_of(demo, DEMO)
    demo.call(
        "StopPipelineExecution",
        {"pipelineName": DEMO, "pipelineExecutionId": execution_id, "abandon": True, "reason": "x"},
    )
    assert execution_status(demo, DEMO, execution_id) == "Stopped"
    assert statuses(demo, DEMO)["Approval"] == "Stopped"
    latest = action_state(demo, DEMO, "Approval", "ManualApproval")["latestExecution"]
    assert latest["status"] == "Abandoned" and "token" not in latest
    assert error_code(lambda: decide(demo, DEMO, token)) == "InvalidApprovalTokenException"
    stop_again = {"pipelineName": DEMO, "pipelineExecutionId": execution_id}
    code = error_code(lambda: demo.call("StopPipelineExecution", stop_again))
    assert code == "PipelineExecutionNotStoppableException"
    summaries = demo.call("ListPipelineExecutions", {"pipelineName": DEMO})
    assert summaries["pipelineExecutionSummaries"][0]["stopTrigger"] == {"reason": "x"}


def test_stop_and_wait_lets_running_actions_finish_and_starts_nothing_new(
    demo: Engine, clock: FakeClock
) -> None:
    execution_id = demo.start_execution(DEMO)
    run_for(demo, clock, 0.5)
    params = {"pipelineName": DEMO, "pipelineExecutionId": execution_id}
    demo.call("StopPipelineExecution", params)
    assert execution_status(demo, DEMO, execution_id) == "Stopping"
    assert statuses(demo, DEMO)["Build"] == "Stopping"
    code = error_code(lambda: demo.call("StopPipelineExecution", params))
    assert code == "DuplicatedStopRequestException"
    run_for(demo, clock, 0.5)
    assert execution_status(demo, DEMO, execution_id) == "Stopped"
    assert action_state(demo, DEMO, "Build", "Lint")["latestExecution"]["status"] == "Succeeded"
    assert "latestExecution" not in action_state(demo, DEMO, "Build", "Package")


def test_queued_runs_wait_their_turn_in_order(engine: Engine, clock: FakeClock) -> None:
    engine.update_pipeline(declaration(name="queued", executionMode="QUEUED"))
    first = start_to_approval(engine, clock, "queued")
    second = start_to_approval(engine, clock, "queued")
    third = start_to_approval(engine, clock, "queued")
    state = engine.call("GetPipelineState", {"name": "queued"})
    inbound = state["stageStates"][2]["inboundExecutions"]
    assert [item["pipelineExecutionId"] for item in inbound] == [second, third]
    for current, waiting in ((first, second), (second, third)):
        assert execution_status(engine, "queued", waiting) == "InProgress"
        state = engine.call("GetPipelineState", {"name": "queued"})
        assert state["stageStates"][2]["latestExecution"]["pipelineExecutionId"] == current
        decide(engine, "queued", token_of(engine, "queued"))
        run_for(engine, clock, 0.5)
        assert execution_status(engine, "queued", current) == "Succeeded"
    decide(engine, "queued", token_of(engine, "queued"))
    run_for(engine, clock, 0.5)
    assert execution_status(engine, "queued", third) == "Succeeded"


def test_parallel_runs_are_independent_and_their_tokens_come_from_the_action_history(
    engine: Engine, clock: FakeClock, outbox: Outbox
) -> None:
    name = "greenlight-parallel"
    engine.update_pipeline(declaration("parallel.json"))
    first = engine.start_execution(name)
    second = engine.start_execution(name)
    run_for(engine, clock, TO_APPROVAL)
    assert len(outbox.sent) == 2
    latest = action_state(engine, name, "Approval", "ManualApproval")["latestExecution"]
    assert latest["status"] == "InProgress" and "token" not in latest
    approvals = [
        item for item in action_executions(engine, name) if item["actionName"] == "ManualApproval"
    ]
    tokens = {
        item["pipelineExecutionId"]: item["output"]["executionResult"]["externalExecutionId"]
        for item in approvals
    }
    assert sorted(tokens.values()) == sorted(item["token"] for item in outbox.approvals())
    decide(engine, name, tokens[second])
    run_for(engine, clock, 0.5)
    assert execution_status(engine, name, second) == "Succeeded"
    assert execution_status(engine, name, first) == "InProgress"
    decide(engine, name, tokens[first], status="Rejected")
    assert execution_status(engine, name, first) == "Failed"


def test_action_history_is_newest_first_filtered_and_paginated(
    engine: Engine, clock: FakeClock
) -> None:
    name = "greenlight-parallel"
    engine.update_pipeline(declaration("parallel.json"))
    first = engine.start_execution(name)
    second = engine.start_execution(name)
    run_for(engine, clock, TO_APPROVAL)
    everything = action_executions(engine, name)
    assert len(everything) == 10
    starts = [item["startTime"] for item in everything]
    assert starts == sorted(starts, reverse=True)
    mine = action_executions(engine, name, filter={"pipelineExecutionId": first})
    assert {item["pipelineExecutionId"] for item in mine} == {first}
    assert [item["actionName"] for item in mine] == [
        "ManualApproval",
        "Package",
        "Lint",
        "Build",
        "Source",
    ]
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"pipelineName": name, "maxResults": 3}
    while True:
        page = engine.call("ListActionExecutions", params)
        pages.extend(page["actionExecutionDetails"])
        assert len(page["actionExecutionDetails"]) <= 3
        if "nextToken" not in page:
            break
        params["nextToken"] = page["nextToken"]
    assert pages == everything
    source = next(item for item in mine if item["actionName"] == "Source")
    assert source["output"]["outputVariables"]["BranchName"] == "main"
    assert source["input"]["namespace"] == "SourceVariables"
    unknown = {"pipelineExecutionId": "00000000-0000-4000-8000-000000000000"}
    code = error_code(lambda: action_executions(engine, name, filter=unknown))
    assert code == "PipelineExecutionNotFoundException"
    bad = {"pipelineName": name, "nextToken": "garbage"}
    assert (
        error_code(lambda: engine.call("ListActionExecutions", bad)) == "InvalidNextTokenException"
    )
    assert second != first


def test_updating_a_pipeline_cancels_what_is_under_way_and_bumps_the_version(
    demo: Engine, clock: FakeClock
) -> None:
    execution_id = start_to_approval(demo, clock)
    token = token_of(demo, DEMO)
    clock.advance(60)
    updated = demo.update_pipeline(declaration())
    assert updated["version"] == 2
    assert execution_status(demo, DEMO, execution_id) == "Cancelled"
    assert statuses(demo, DEMO)["Approval"] == "Cancelled"
    assert error_code(lambda: decide(demo, DEMO, token)) == "InvalidApprovalTokenException"
    old = demo.call("GetPipeline", {"name": DEMO, "version": 1})
    assert old["pipeline"]["version"] == 1
    assert old["metadata"]["updated"] == clock.now
    missing = {"name": DEMO, "version": 7}
    code = error_code(lambda: demo.call("GetPipeline", missing))
    assert code == "PipelineVersionNotFoundException"


def test_creating_a_pipeline_runs_it_once(engine: Engine, clock: FakeClock) -> None:
    created = engine.call("CreatePipeline", {"pipeline": declaration(name="fresh")})
    assert created["pipeline"]["version"] == 1
    summaries = engine.call("ListPipelineExecutions", {"pipelineName": "fresh"})
    [summary] = summaries["pipelineExecutionSummaries"]
    assert summary["trigger"]["triggerType"] == "CreatePipeline"
    again = {"pipeline": declaration(name="fresh")}
    code = error_code(lambda: engine.call("CreatePipeline", again))
    assert code == "PipelineNameInUseException"


def test_a_manual_start_takes_the_latest_commit_of_the_branch(
    demo: Engine, clock: FakeClock
) -> None:
    [pushed] = demo.push(branch="main", commit_id="a" * 40, message="Fix login")
    run_for(demo, clock, 0.5)
    started = demo.call("StartPipelineExecution", {"name": DEMO})["pipelineExecutionId"]
    run_for(demo, clock, 0.5)
    execution = demo.call(
        "GetPipelineExecution", {"pipelineName": DEMO, "pipelineExecutionId": started}
    )["pipelineExecution"]
    assert execution["trigger"] == {
        "triggerType": "StartPipelineExecution",
        "triggerDetail": "arn:aws:sts::123456789012:assumed-role/Admin/alice",
    }
    [revision] = execution["artifactRevisions"]
    assert revision["revisionId"] == "a" * 40
    assert json.loads(revision["revisionSummary"]) == {
        "ProviderType": "GitHub",
        "CommitMessage": "Fix login",
    }
    assert revision["revisionUrl"] == "https://github.com/acme/webapp/commit/" + "a" * 40
    assert pushed != started


def test_custom_data_resolves_the_variables_it_can_and_keeps_the_rest(
    engine: Engine, clock: FakeClock, outbox: Outbox
) -> None:
    pipeline = declaration()
    pipeline["stages"][2]["actions"][0]["configuration"]["CustomData"] = (
        "#{codepipeline.PipelineExecutionId} #{SourceVariables.BranchName} "
        "#{SourceVariables.CommitMessage} #{SourceVariables.AuthorDisplayName} #{Other.Thing}"
    )
    engine.update_pipeline(pipeline)
    [execution_id] = engine.push(branch="release/2.0", message="Cut 2.0")
    run_for(engine, clock, TO_APPROVAL)
    [approval] = outbox.approvals()
    unknown = "#{SourceVariables.AuthorDisplayName} #{Other.Thing}"
    assert approval["customData"] == f"{execution_id} release/2.0 Cut 2.0 {unknown}"


def test_pipelines_that_break_the_rules_are_refused(engine: Engine) -> None:
    single = declaration()
    single["stages"] = single["stages"][:1]
    misplaced = declaration()
    misplaced["stages"][1]["actions"][0]["actionTypeId"]["category"] = "Source"
    parallel_v1 = declaration(pipelineType="V1", executionMode="PARALLEL", triggers=None)
    bad_glob = declaration()
    bad_glob["triggers"][0]["gitConfiguration"]["push"][0]["branches"]["includes"] = ["{a,{b}}"]
    missing_input = declaration()
    missing_input["stages"][3]["actions"][0]["inputArtifacts"] = [{"name": "Nowhere"}]
    cases = {
        "InvalidStructureException": single,
        "InvalidStageDeclarationException": misplaced,
        "ValidationException": parallel_v1,
    }
    for code, pipeline in cases.items():
        assert error_code(lambda pipeline=pipeline: engine.update_pipeline(pipeline)) == code
    assert error_code(lambda: engine.update_pipeline(bad_glob)) == "ValidationException"
    assert error_code(lambda: engine.update_pipeline(missing_input)) == "InvalidStructureException"
    assert engine.call("ListPipelines", {})["pipelines"] == []


def test_requests_are_checked_against_the_model(demo: Engine) -> None:
    with pytest.raises(ServiceError) as raised:
        demo.call(
            "PutApprovalResult",
            {
                "pipelineName": DEMO,
                "stageName": "Approval",
                "actionName": "ManualApproval",
                "result": {"summary": "x", "status": "Maybe"},
            },
        )
    assert raised.value.code == "ValidationException"
    assert raised.value.message.startswith("2 validation errors detected: ")
    assert "Value null at 'token' failed to satisfy constraint: Member must not be null" in (
        raised.value.message
    )
    assert "Member must satisfy enum value set: [Approved, Rejected]" in raised.value.message
    code = error_code(lambda: demo.call("GetPipelineState", {"name": "bad name!"}))
    assert code == "ValidationException"
    assert error_code(lambda: demo.call("GetPipelineState", {"name": 5})) == "ValidationException"
    assert error_code(lambda: demo.call("PollForJobs", {})) == "UnknownOperationException"
    assert error_code(lambda: demo.call("MakeCoffee", {})) == "UnknownOperationException"


def test_pipeline_executions_are_listed_newest_first_a_page_at_a_time(
    demo: Engine, clock: FakeClock
) -> None:
    started = [demo.start_execution(DEMO) for _ in range(3)]
    page = demo.call("ListPipelineExecutions", {"pipelineName": DEMO, "maxResults": 2})
    assert [item["pipelineExecutionId"] for item in page["pipelineExecutionSummaries"]] == [
        started[2],
        started[1],
    ]
    rest = demo.call(
        "ListPipelineExecutions",
        {"pipelineName": DEMO, "maxResults": 2, "nextToken": page["nextToken"]},
    )
    assert [item["pipelineExecutionId"] for item in rest["pipelineExecutionSummaries"]] == [
        started[0]
    ]
    assert "nextToken" not in rest
    # Only the newest of the runs waiting for Source survives in SUPERSEDED mode.
    assert [execution_status(demo, DEMO, item) for item in started] == [
        "InProgress",
        "Superseded",
        "InProgress",
    ]


def test_tokens_come_from_the_token_factory(clock: FakeClock, outbox: Outbox) -> None:
    tokens = iter(["11111111-2222-4333-8444-555555555555"])
    engine = make_engine(clock, outbox, token_factory=lambda: next(tokens))
    engine.update_pipeline(declaration())
    start_to_approval(engine, clock)
    assert token_of(engine, DEMO) == "11111111-2222-4333-8444-555555555555"
    assert outbox.approvals()[0]["token"] == "11111111-2222-4333-8444-555555555555"


def test_a_subscriber_may_answer_the_approval_from_inside_publish(clock: FakeClock) -> None:
    answers: list[dict[str, Any]] = []

    def approve_at_once(topic: str, message: str) -> None:
        approval = json.loads(message)["approval"]
        answers.append(
            decide(engine, approval["pipelineName"], approval["token"], summary="Automatic")
        )

    engine = Engine(publish=approve_at_once, clock=clock, action_seconds=0.5)
    engine.update_pipeline(declaration())
    execution_id = start_to_approval(engine, clock)
    assert answers == [{"approvedAt": clock.now}]
    run_for(engine, clock, 0.5)
    assert execution_status(engine, DEMO, execution_id) == "Succeeded"
