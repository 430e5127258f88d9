"""Who called the stand-in: runs and approval answers are recorded as the principal whose
access key signed the request, and a key nobody issued is refused as AWS refuses it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.codepipeline.engine import Engine
from local.codepipeline.server import CodePipelineServer
from local.stack import FUNCTION_PRINCIPAL, OfflineStack
from tests.codepipeline.scenario import declaration
from tests.offline import load_pipeline, wait_until

CAROL = "arn:aws:sts::123456789012:assumed-role/Admin/carol"
DAVE = "arn:aws:sts::123456789012:assumed-role/ReleaseManager/dave"


def approval_token(codepipeline: Any, pipeline: str) -> str | None:
    state = codepipeline.get_pipeline_state(name=pipeline)
    for stage in state["stageStates"]:
        for action in stage.get("actionStates", []):
            latest = action.get("latestExecution") or {}
            if action["actionName"] == "ManualApproval" and latest.get("status") == "InProgress":
                return latest.get("token")
    return None


def approval_state(codepipeline: Any, pipeline: str) -> dict[str, Any]:
    state = codepipeline.get_pipeline_state(name=pipeline)
    stage = next(s for s in state["stageStates"] if s["stageName"] == "Approval")
    return dict(stage["actionStates"][0]["latestExecution"])


def started_by(stack: OfflineStack, principal: str, pipeline: str) -> tuple[Any, str]:
    codepipeline = stack.codepipeline_as(principal)
    execution_id = codepipeline.start_pipeline_execution(name=pipeline)["pipelineExecutionId"]
    return codepipeline, execution_id


def test_a_run_is_recorded_as_started_by_the_principal_whose_keys_signed_the_call(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    codepipeline, execution_id = started_by(stack, CAROL, pipeline)
    execution = codepipeline.get_pipeline_execution(
        pipelineName=pipeline, pipelineExecutionId=execution_id)["pipelineExecution"]
    assert execution["trigger"] == {"triggerType": "StartPipelineExecution",
                                    "triggerDetail": CAROL}


def test_two_principals_starting_runs_are_told_apart(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    started = {principal: started_by(stack, principal, pipeline)[1] for principal in (CAROL, DAVE)}
    for principal, execution_id in started.items():
        trigger = stack.engine.call("GetPipelineExecution", {
            "pipelineName": pipeline, "pipelineExecutionId": execution_id,
        })["pipelineExecution"]["trigger"]
        assert trigger["triggerDetail"] == principal


def test_an_approval_answer_is_recorded_as_made_by_the_principal_who_sent_it(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    started_by(stack, CAROL, pipeline)
    answering = stack.codepipeline_as(DAVE)
    token = wait_until(lambda: approval_token(answering, pipeline), what="the approval")
    answering.put_approval_result(
        pipelineName=pipeline, stageName="Approval", actionName="ManualApproval",
        result={"summary": "Looks good", "status": "Approved"}, token=token)
    assert approval_state(stack.codepipeline_as(CAROL), pipeline)["lastUpdatedBy"] == DAVE
    stack.wait_for_deliveries()


def test_the_functions_own_credentials_answer_as_the_functions_role(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    started_by(stack, CAROL, pipeline)
    functions = boto3.client("codepipeline")  # the stack's environment: the functions' keys
    token = wait_until(lambda: approval_token(functions, pipeline), what="the approval")
    functions.put_approval_result(
        pipelineName=pipeline, stageName="Approval", actionName="ManualApproval",
        result={"summary": "Rejected", "status": "Rejected"}, token=token)
    assert approval_state(functions, pipeline)["lastUpdatedBy"] == FUNCTION_PRINCIPAL
    stack.wait_for_deliveries()


def unknown_client(endpoint_url: str, access_key_id: str = "AKIANOBODYISSUEDTHIS") -> Any:
    return boto3.client("codepipeline", region_name="us-east-1", endpoint_url=endpoint_url,
                        aws_access_key_id=access_key_id, aws_secret_access_key="whatever",
                        config=Config(retries={"max_attempts": 1}))


def test_a_run_cannot_be_started_with_an_access_key_nobody_issued(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    with pytest.raises(ClientError) as refused:
        unknown_client(stack.codepipeline_server.endpoint_url).start_pipeline_execution(
            name=pipeline)
    assert refused.value.response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid.",
    }
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    executions = stack.engine.call("ListPipelineExecutions", {"pipelineName": pipeline})
    assert executions["pipelineExecutionSummaries"] == []


@pytest.fixture
def guarded(engine: Engine) -> Iterator[CodePipelineServer]:
    engine.update_pipeline(declaration(name="guarded"))
    with CodePipelineServer(engine, auto_advance=False,
                            principals={"AKIACAROL": CAROL}) as running:
        yield running


def test_an_unsigned_request_is_refused_when_the_server_knows_its_principals(
        guarded: CodePipelineServer) -> None:
    from tests.codepipeline.test_server import post

    status, _, body = post(guarded.endpoint_url, "CodePipeline_20150709.ListPipelines", b"{}")
    assert (status, body["__type"]) == (400, "UnrecognizedClientException")


def test_a_server_without_principals_lets_any_keys_through_as_its_default_callers(
        engine: Engine) -> None:
    engine.update_pipeline(declaration(name="open"))
    with CodePipelineServer(engine, auto_advance=False) as running:
        client = unknown_client(running.endpoint_url)
        execution_id = client.start_pipeline_execution(name="open")["pipelineExecutionId"]
        execution = client.get_pipeline_execution(
            pipelineName="open", pipelineExecutionId=execution_id)["pipelineExecution"]
    assert execution["trigger"]["triggerDetail"] == engine.starter_arn


def test_a_known_key_reaches_the_engine_as_its_principal(guarded: CodePipelineServer) -> None:
    client = unknown_client(guarded.endpoint_url, access_key_id="AKIACAROL")
    execution_id = client.start_pipeline_execution(name="guarded")["pipelineExecutionId"]
    execution = client.get_pipeline_execution(
        pipelineName="guarded", pipelineExecutionId=execution_id)["pipelineExecution"]
    assert execution["trigger"]["triggerDetail"] == CAROL
    with pytest.raises(ClientError) as refused:
        unknown_client(guarded.endpoint_url).list_pipelines()
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"
