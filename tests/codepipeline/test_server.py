"""The stand-in over HTTP: plain boto3 clients, AWS's error codes, and the JSON 1.1 wire format."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.codepipeline.engine import Engine
from local.codepipeline.server import CodePipelineServer
from tests.codepipeline.scenario import FakeClock, Outbox, declaration, run_for

DEMO = "greenlight-demo"


@pytest.fixture
def server(engine: Engine) -> Iterator[CodePipelineServer]:
    with CodePipelineServer(engine, auto_advance=False) as running:
        yield running


def client_for(endpoint_url: str) -> Any:
    return boto3.client(
        "codepipeline",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture
def client(server: CodePipelineServer) -> Any:
    return client_for(server.endpoint_url)


def post(
    endpoint_url: str, target: str | None, body: bytes
) -> tuple[int, dict[str, str], dict[str, Any]]:
    parts = urlsplit(endpoint_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if target is not None:
        headers["X-Amz-Target"] = target
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        payload = json.loads(response.read())
        return response.status, dict(response.headers), payload
    finally:
        connection.close()


def test_every_operation_works_through_a_plain_boto3_client(
    client: Any, engine: Engine, clock: FakeClock, outbox: Outbox
) -> None:
    created = client.create_pipeline(pipeline=declaration(name="via-boto3"))
    assert created["pipeline"]["version"] == 1
    updated = client.update_pipeline(pipeline=declaration())
    assert updated["pipeline"]["name"] == DEMO
    fetched = client.get_pipeline(name=DEMO)
    assert fetched["metadata"]["pipelineArn"] == (
        "arn:aws:codepipeline:us-east-1:123456789012:greenlight-demo"
    )
    assert fetched["metadata"]["created"] == clock.now
    names = [item["name"] for item in client.list_pipelines()["pipelines"]]
    assert names == [DEMO, "via-boto3"]

    execution_id = client.start_pipeline_execution(name=DEMO)["pipelineExecutionId"]
    run_for(engine, clock, 1.5)
    state = client.get_pipeline_state(name=DEMO)
    approval = state["stageStates"][2]["actionStates"][0]["latestExecution"]
    assert approval["status"] == "InProgress"
    assert approval["token"] == outbox.approvals()[-1]["token"]
    assert isinstance(approval["lastStatusChange"], datetime)

    decided = client.put_approval_result(
        pipelineName=DEMO,
        stageName="Approval",
        actionName="ManualApproval",
        result={"summary": "Approved in a test", "status": "Approved"},
        token=approval["token"],
    )
    assert decided["approvedAt"] == clock.now
    run_for(engine, clock, 0.5)
    execution = client.get_pipeline_execution(pipelineName=DEMO, pipelineExecutionId=execution_id)[
        "pipelineExecution"
    ]
    assert execution["status"] == "Succeeded"
    assert execution["trigger"]["triggerType"] == "StartPipelineExecution"
    summaries = client.list_pipeline_executions(pipelineName=DEMO)["pipelineExecutionSummaries"]
    assert [item["pipelineExecutionId"] for item in summaries] == [execution_id]

    details = [
        detail
        for page in client.get_paginator("list_action_executions").paginate(
            pipelineName=DEMO, PaginationConfig={"PageSize": 2}
        )
        for detail in page["actionExecutionDetails"]
    ]
    assert [detail["actionName"] for detail in details] == [
        "Deploy",
        "ManualApproval",
        "Package",
        "Lint",
        "Build",
        "Source",
    ]
    assert details[1]["updatedBy"] == engine.approver_arn

    other = client.start_pipeline_execution(name="via-boto3")["pipelineExecutionId"]
    stopped = client.stop_pipeline_execution(
        pipelineName="via-boto3", pipelineExecutionId=other, abandon=True, reason="Not today"
    )
    assert stopped["pipelineExecutionId"] == other
    client.delete_pipeline(name="via-boto3")
    assert [item["name"] for item in client.list_pipelines()["pipelines"]] == [DEMO]


def approval_call(client: Any, **changes: Any) -> Callable[[], Any]:
    params = {
        "pipelineName": DEMO,
        "stageName": "Approval",
        "actionName": "ManualApproval",
        "result": {"summary": "ok", "status": "Approved"},
        "token": "00000000-0000-4000-8000-000000000000",
    } | changes
    return lambda: client.put_approval_result(**params)


def test_service_errors_reach_boto3_as_their_error_codes(
    client: Any, engine: Engine, clock: FakeClock
) -> None:
    engine.update_pipeline(declaration())
    engine.start_execution(DEMO)
    run_for(engine, clock, 1.5)
    token = client.get_pipeline_state(name=DEMO)["stageStates"][2]["actionStates"][0][
        "latestExecution"
    ]["token"]
    approval_call(client, token=token)()
    missing_execution = "00000000-0000-4000-8000-000000000001"
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: client.get_pipeline_state(name="missing"), "PipelineNotFoundException"),
        (approval_call(client), "InvalidApprovalTokenException"),
        (approval_call(client, token=token), "ApprovalAlreadyCompletedException"),
        (approval_call(client, stageName="QA"), "StageNotFoundException"),
        (approval_call(client, actionName="Nope"), "ActionNotFoundException"),
        (approval_call(client, token="not-a-uuid"), "ValidationException"),
        (
            approval_call(client, result={"summary": "x", "status": "Maybe"}),
            "ValidationException",
        ),
        (
            lambda: client.get_pipeline_execution(
                pipelineName=DEMO, pipelineExecutionId=missing_execution
            ),
            "PipelineExecutionNotFoundException",
        ),
        (
            lambda: client.list_pipeline_executions(pipelineName=DEMO, nextToken="nonsense"),
            "InvalidNextTokenException",
        ),
        (
            lambda: client.create_pipeline(pipeline=declaration()),
            "PipelineNameInUseException",
        ),
        (lambda: client.get_pipeline(name=DEMO, version=9), "PipelineVersionNotFoundException"),
    ]
    for call, code in cases:
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == code
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_wire_is_json_1_1_with_epoch_timestamps(
    server: CodePipelineServer, engine: Engine
) -> None:
    engine.update_pipeline(declaration())
    url = server.endpoint_url
    status, headers, body = post(
        url, "CodePipeline_20150709.GetPipeline", b'{"name": "greenlight-demo"}'
    )
    assert status == 200
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert isinstance(body["metadata"]["created"], float)
    assert post(url, "CodePipeline_20150709.MakeCoffee", b"{}")[2]["__type"] == (
        "UnknownOperationException"
    )
    for target, payload, code in [
        ("CodePipeline_20150709.MakeCoffee", b"{}", "UnknownOperationException"),
        ("Other_1.GetPipeline", b"{}", "UnknownOperationException"),
        (None, b"{}", "UnknownOperationException"),
        ("CodePipeline_20150709.GetPipeline", b"{not json", "SerializationException"),
        ("CodePipeline_20150709.GetPipeline", b"[1, 2]", "SerializationException"),
        ("CodePipeline_20150709.GetPipeline", b"{}", "ValidationException"),
        ("CodePipeline_20150709.GetPipeline", b'{"name": {"a": 1}}', "ValidationException"),
        ("CodePipeline_20150709.UpdatePipeline", b'{"pipeline": []}', "ValidationException"),
        ("GreenlightLocal.Push", b'{"branch": 7}', "ValidationException"),
        ("GreenlightLocal.FailNext", b"{}", "ValidationException"),
    ]:
        status, _, body = post(url, target, payload)
        assert (status, body["__type"]) == (400, code), (target, payload)
        assert body["message"]


def test_push_and_fail_next_are_the_stand_ins_own_targets(
    server: CodePipelineServer, engine: Engine, clock: FakeClock
) -> None:
    engine.update_pipeline(declaration())
    url = server.endpoint_url
    status, _, body = post(
        url,
        "GreenlightLocal.FailNext",
        b'{"pipelineName": "greenlight-demo", "stageName": "Build", "actionName": "Build"}',
    )
    assert (status, body) == (200, {})
    status, _, body = post(url, "GreenlightLocal.Push", b'{"branch": "feature/x"}')
    assert body == {"pipelineExecutionIds": []}
    status, _, body = post(
        url, "GreenlightLocal.Push", b'{"branch": "main", "paths": ["src/a.py"], "message": "Hi"}'
    )
    [execution_id] = body["pipelineExecutionIds"]
    clock.advance(5)
    assert post(url, "GreenlightLocal.Tick", b"{}")[2] == {"changed": True}
    execution = engine.call(
        "GetPipelineExecution", {"pipelineName": DEMO, "pipelineExecutionId": execution_id}
    )
    assert execution["pipelineExecution"]["status"] == "Failed"
    missing = b'{"pipelineName": "nope", "stageName": "Build", "actionName": "Build"}'
    assert post(url, "GreenlightLocal.FailNext", missing)[2]["__type"] == (
        "PipelineNotFoundException"
    )


def test_the_server_advances_pipelines_on_its_own() -> None:
    outbox = Outbox()
    engine = Engine(publish=outbox, action_seconds=0.01)
    engine.update_pipeline(declaration())
    with CodePipelineServer(engine, tick_seconds=0.02) as server:
        client = client_for(server.endpoint_url)
        client.start_pipeline_execution(name=DEMO)
        deadline = time.monotonic() + 10
        while not outbox.sent and time.monotonic() < deadline:
            time.sleep(0.02)
        state = client.get_pipeline_state(name=DEMO)
    assert len(outbox.sent) == 1
    assert state["stageStates"][2]["latestExecution"]["status"] == "InProgress"
