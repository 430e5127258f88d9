"""Holding a pipeline at a disabled stage transition, and retrying a failed stage, as operators
rehearse them offline: DisableStageTransition, EnableStageTransition, RetryStageExecution."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from local.codepipeline.engine import Engine, ServiceError
from tests.codepipeline.scenario import (
    FakeClock,
    action_executions,
    decide,
    declaration,
    execution_status,
    run_for,
    statuses,
    token_of,
)

DEMO = "greenlight-demo"
TO_APPROVAL = 1.5


@pytest.fixture
def demo(engine: Engine) -> Engine:
    engine.update_pipeline(declaration())
    return engine


def refusal(engine: Engine, operation: str, **params: Any) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        engine.call(operation, params)
    return raised.value


def disable(
    engine: Engine, stage: str, kind: str = "Inbound", reason: str = "Change freeze"
) -> None:
    engine.call(
        "DisableStageTransition",
        {"pipelineName": DEMO, "stageName": stage, "transitionType": kind, "reason": reason},
    )


def enable(engine: Engine, stage: str, kind: str = "Inbound") -> None:
    engine.call(
        "EnableStageTransition", {"pipelineName": DEMO, "stageName": stage, "transitionType": kind}
    )


def inbound(engine: Engine, stage: str) -> dict[str, Any]:
    state = engine.call("GetPipelineState", {"name": DEMO})
    found = next(item for item in state["stageStates"] if item["stageName"] == stage)
    return dict(found)


def retry(
    engine: Engine, execution_id: str, mode: str = "FAILED_ACTIONS", stage: str = "Build"
) -> str:
    response = engine.call(
        "RetryStageExecution",
        {
            "pipelineName": DEMO,
            "stageName": stage,
            "pipelineExecutionId": execution_id,
            "retryMode": mode,
        },
    )
    return str(response["pipelineExecutionId"])


def test_a_run_waits_at_a_disabled_inbound_transition_until_it_is_enabled(
    demo: Engine, clock: FakeClock
) -> None:
    disable(demo, "Approval", reason="Hold for the release window")
    execution_id = demo.start_execution(DEMO)
    run_for(demo, clock, 5)
    held = inbound(demo, "Approval")
    assert statuses(demo, DEMO)["Approval"] == "None"
    assert held["inboundExecution"]["pipelineExecutionId"] == execution_id
    assert held["inboundTransitionState"] == {
        "enabled": False,
        "lastChangedBy": demo.starter_arn,
        "lastChangedAt": clock.now - timedelta(seconds=5),
        "disabledReason": "Hold for the release window",
    }
    enable(demo, "Approval")
    assert statuses(demo, DEMO)["Approval"] == "InProgress"
    state = inbound(demo, "Approval")["inboundTransitionState"]
    assert state["enabled"] is True
    assert "disabledReason" not in state


def test_a_transition_never_changed_reads_as_enabled(demo: Engine) -> None:
    assert inbound(demo, "Deploy")["inboundTransitionState"] == {"enabled": True}


def test_a_disabled_outbound_transition_keeps_a_run_after_its_stage(
    demo: Engine, clock: FakeClock
) -> None:
    disable(demo, "Build", kind="Outbound")
    demo.start_execution(DEMO)
    run_for(demo, clock, 5)
    assert statuses(demo, DEMO) == {
        "Source": "Succeeded",
        "Build": "Succeeded",
        "Approval": "None",
        "Deploy": "None",
    }
    enable(demo, "Build", kind="Outbound")
    assert statuses(demo, DEMO)["Approval"] == "InProgress"


def test_a_newer_run_supersedes_one_waiting_at_a_disabled_transition(
    demo: Engine, clock: FakeClock
) -> None:
    disable(demo, "Approval")
    older = demo.start_execution(DEMO)
    run_for(demo, clock, 2)
    newer = demo.start_execution(DEMO)
    run_for(demo, clock, 2)
    assert execution_status(demo, DEMO, older) == "Superseded"
    assert inbound(demo, "Approval")["inboundExecution"]["pipelineExecutionId"] == newer


def test_the_caller_who_disabled_a_transition_is_recorded(demo: Engine) -> None:
    operator = "arn:aws:sts::123456789012:assumed-role/Operator/dana"
    demo.call(
        "DisableStageTransition",
        {"pipelineName": DEMO, "stageName": "Deploy", "transitionType": "Inbound", "reason": "x"},
        caller=operator,
    )
    assert inbound(demo, "Deploy")["inboundTransitionState"]["lastChangedBy"] == operator


def test_transitions_of_unknown_pipelines_stages_or_kinds_are_refused(demo: Engine) -> None:
    params = {"pipelineName": DEMO, "stageName": "Deploy", "transitionType": "Inbound"}
    missing = refusal(
        demo, "DisableStageTransition", **params | {"pipelineName": "nope", "reason": "x"}
    )
    assert missing.code == "PipelineNotFoundException"
    nowhere = refusal(demo, "EnableStageTransition", **params | {"stageName": "Nowhere"})
    assert nowhere.code == "StageNotFoundException"
    sideways = refusal(demo, "EnableStageTransition", **params | {"transitionType": "Sideways"})
    assert sideways.code == "ValidationException"
    no_reason = refusal(demo, "DisableStageTransition", **params)
    assert no_reason.code == "ValidationException"
    odd_reason = refusal(demo, "DisableStageTransition", **params, reason="freeze; drop table")
    assert odd_reason.code == "ValidationException"


def fail_build(engine: Engine, clock: FakeClock, action: str = "Lint") -> str:
    engine.fail_next(DEMO, "Build", action)
    execution_id = engine.start_execution(DEMO)
    run_for(engine, clock, 1)
    assert execution_status(engine, DEMO, execution_id) == "Failed"
    return execution_id


def build_runs(engine: Engine, execution_id: str) -> list[tuple[str, str, str]]:
    return [
        (item["actionName"], item["status"], item["actionExecutionId"])
        for item in action_executions(engine, DEMO, filter={"pipelineExecutionId": execution_id})
        if item["stageName"] == "Build"
    ]


def test_retrying_failed_actions_runs_only_those_again(demo: Engine, clock: FakeClock) -> None:
    execution_id = fail_build(demo, clock)
    before = {name: run_id for name, status, run_id in build_runs(demo, execution_id)}
    assert retry(demo, execution_id) == execution_id
    assert execution_status(demo, DEMO, execution_id) == "InProgress"
    run_for(demo, clock, 1)
    assert statuses(demo, DEMO)["Approval"] == "InProgress"
    runs = build_runs(demo, execution_id)
    assert [(name, status) for name, status, _ in runs] == [
        ("Package", "Succeeded"),
        ("Lint", "Succeeded"),
        ("Lint", "Failed"),
        ("Build", "Succeeded"),
    ]
    assert [run_id for name, _, run_id in runs if name == "Build"] == [before["Build"]]


def test_retrying_all_actions_runs_the_whole_stage_again(demo: Engine, clock: FakeClock) -> None:
    execution_id = fail_build(demo, clock)
    retry(demo, execution_id, mode="ALL_ACTIONS")
    run_for(demo, clock, 1)
    names = [name for name, _, _ in build_runs(demo, execution_id)]
    assert sorted(names) == ["Build", "Build", "Lint", "Lint", "Package"]
    token = token_of(demo, DEMO)
    decide(demo, DEMO, token)
    run_for(demo, clock, 0.5)
    assert execution_status(demo, DEMO, execution_id) == "Succeeded"


def test_a_retried_approval_that_had_expired_opens_with_a_new_token(
    demo: Engine, clock: FakeClock
) -> None:
    execution_id = demo.start_execution(DEMO)
    run_for(demo, clock, TO_APPROVAL)
    expired = token_of(demo, DEMO)
    clock.advance(days=8)
    demo.tick()
    assert execution_status(demo, DEMO, execution_id) == "Failed"
    retry(demo, execution_id, stage="Approval")
    fresh = token_of(demo, DEMO)
    assert fresh != expired
    stale = refusal(
        demo,
        "PutApprovalResult",
        pipelineName=DEMO,
        stageName="Approval",
        actionName="ManualApproval",
        result={"summary": "late", "status": "Approved"},
        token=expired,
    )
    assert stale.code == "InvalidApprovalTokenException"
    decide(demo, DEMO, fresh)
    run_for(demo, clock, 0.5)
    assert execution_status(demo, DEMO, execution_id) == "Succeeded"


def test_a_stage_that_did_not_fail_is_not_retryable(demo: Engine, clock: FakeClock) -> None:
    execution_id = demo.start_execution(DEMO)
    run_for(demo, clock, TO_APPROVAL)
    assert (
        refusal(
            demo,
            "RetryStageExecution",
            pipelineName=DEMO,
            stageName="Build",
            pipelineExecutionId=execution_id,
            retryMode="FAILED_ACTIONS",
        ).code
        == "StageNotRetryableException"
    )
    retried = fail_build_after(demo, clock)
    retry(demo, retried)
    assert (
        refusal(
            demo,
            "RetryStageExecution",
            pipelineName=DEMO,
            stageName="Build",
            pipelineExecutionId=retried,
            retryMode="FAILED_ACTIONS",
        ).code
        == "StageNotRetryableException"
    )


def fail_build_after(engine: Engine, clock: FakeClock) -> str:
    """A failing Build in a run that supersedes whatever waits at the approval."""
    engine.fail_next(DEMO, "Build", "Lint")
    execution_id = engine.start_execution(DEMO)
    run_for(engine, clock, 1)
    return execution_id


def test_an_older_run_cannot_retry_a_stage_a_newer_run_has_been_through(
    demo: Engine, clock: FakeClock
) -> None:
    older = fail_build(demo, clock)
    demo.start_execution(DEMO)
    run_for(demo, clock, TO_APPROVAL)
    error = refusal(
        demo,
        "RetryStageExecution",
        pipelineName=DEMO,
        stageName="Build",
        pipelineExecutionId=older,
        retryMode="ALL_ACTIONS",
    )
    assert error.code == "NotLatestPipelineExecutionException"


def test_a_retry_while_another_run_holds_the_stage_is_a_conflict(
    demo: Engine, clock: FakeClock
) -> None:
    older = fail_build(demo, clock)
    demo.start_execution(DEMO)
    run_for(demo, clock, 0.5)
    assert statuses(demo, DEMO)["Build"] == "InProgress"
    error = refusal(
        demo,
        "RetryStageExecution",
        pipelineName=DEMO,
        stageName="Build",
        pipelineExecutionId=older,
        retryMode="FAILED_ACTIONS",
    )
    assert (error.code, error.status) == ("ConflictException", 409)


def test_retries_of_unknown_pipelines_stages_or_executions_are_refused(
    demo: Engine, clock: FakeClock
) -> None:
    execution_id = fail_build(demo, clock)
    params = {
        "pipelineName": DEMO,
        "stageName": "Build",
        "pipelineExecutionId": execution_id,
        "retryMode": "FAILED_ACTIONS",
    }
    cases = {
        "PipelineNotFoundException": {"pipelineName": "nope"},
        "StageNotFoundException": {"stageName": "Nowhere"},
        "StageNotRetryableException": {
            "pipelineExecutionId": "00000000-0000-4000-8000-000000000000"
        },
        "ValidationException": {"retryMode": "SOME_ACTIONS"},
    }
    for code, change in cases.items():
        assert refusal(demo, "RetryStageExecution", **params | change).code == code


def test_a_run_of_an_earlier_definition_is_not_retryable(demo: Engine, clock: FakeClock) -> None:
    execution_id = fail_build(demo, clock)
    demo.update_pipeline(declaration())
    error = refusal(
        demo,
        "RetryStageExecution",
        pipelineName=DEMO,
        stageName="Build",
        pipelineExecutionId=execution_id,
        retryMode="FAILED_ACTIONS",
    )
    assert error.code == "StageNotRetryableException"
