"""Both wire protocols, with botocore's own serializers and parsers: every operation through a
client that botocore resolves to AWS JSON 1.1 and one it resolves to Smithy RPC v2 CBOR, and
the CBOR wire format itself (headers, tag-1 timestamps, shape-ID error types)."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import cbor2
import pytest
from botocore.exceptions import ClientError

from local.codepipeline.engine import Engine
from local.codepipeline.server import CodePipelineServer
from tests.codepipeline.models import CBOR, JSON, client_speaking, write_model
from tests.codepipeline.scenario import FakeClock, Outbox, declaration, run_for

DEMO = "greenlight-demo"
CBOR_PATH = "/service/CodePipeline_20150709/operation/"


@pytest.fixture(scope="module")
def data_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {
        protocol: write_model(protocol, tmp_path_factory.mktemp(protocol.replace("-", "_")))
        for protocol in (JSON, CBOR)
    }


@pytest.fixture
def server(engine: Engine) -> Iterator[CodePipelineServer]:
    with CodePipelineServer(engine, auto_advance=False) as running:
        yield running


@pytest.fixture(params=[JSON, CBOR])
def client(request: pytest.FixtureRequest, data_paths: dict[str, Path], server: Any) -> Any:
    protocol = request.param
    return client_speaking(protocol, data_paths[protocol], server.endpoint_url)


def error_code(call: Any, **params: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_every_operation_answers_in_the_protocol_botocore_resolved(
    client: Any, engine: Engine, clock: FakeClock, outbox: Outbox
) -> None:
    created = client.create_pipeline(
        pipeline=declaration(name="other"), tags=[{"key": "team", "value": "release"}]
    )
    assert created["tags"] == [{"key": "team", "value": "release"}]
    assert client.update_pipeline(pipeline=declaration())["pipeline"]["version"] == 1
    fetched = client.get_pipeline(name=DEMO)
    assert fetched["metadata"]["created"] == clock.now
    assert [item["name"] for item in client.list_pipelines()["pipelines"]] == [DEMO, "other"]

    client.disable_stage_transition(
        pipelineName=DEMO, stageName="Deploy", transitionType="Inbound", reason="Change freeze"
    )
    engine.fail_next(DEMO, "Deploy", "Deploy")
    first = client.start_pipeline_execution(name=DEMO)["pipelineExecutionId"]
    run_for(engine, clock, 1.5)
    state = client.get_pipeline_state(name=DEMO)
    approval = state["stageStates"][2]["actionStates"][0]["latestExecution"]
    assert approval["token"] == outbox.approvals()[-1]["token"]
    assert isinstance(approval["lastStatusChange"], datetime)
    decided = client.put_approval_result(
        pipelineName=DEMO,
        stageName="Approval",
        actionName="ManualApproval",
        result={"summary": "Fine", "status": "Approved"},
        token=approval["token"],
    )
    assert decided["approvedAt"] == clock.now
    run_for(engine, clock, 1)
    held = client.get_pipeline_state(name=DEMO)["stageStates"][3]
    assert held["inboundTransitionState"]["enabled"] is False
    assert held["inboundTransitionState"]["disabledReason"] == "Change freeze"
    assert held["inboundTransitionState"]["lastChangedAt"] == fetched["metadata"]["created"]
    assert held["inboundExecution"]["pipelineExecutionId"] == first
    client.enable_stage_transition(pipelineName=DEMO, stageName="Deploy", transitionType="Inbound")
    run_for(engine, clock, 1)

    execution = client.get_pipeline_execution(pipelineName=DEMO, pipelineExecutionId=first)
    assert execution["pipelineExecution"]["status"] == "Failed"
    retried = client.retry_stage_execution(
        pipelineName=DEMO, stageName="Deploy", pipelineExecutionId=first, retryMode="FAILED_ACTIONS"
    )
    assert retried["pipelineExecutionId"] == first
    run_for(engine, clock, 1)
    summaries = client.list_pipeline_executions(pipelineName=DEMO)["pipelineExecutionSummaries"]
    assert [(item["pipelineExecutionId"], item["status"]) for item in summaries] == [
        (first, "Succeeded")
    ]
    assert isinstance(summaries[0]["startTime"], datetime)
    details = client.list_action_executions(pipelineName=DEMO)["actionExecutionDetails"]
    assert [(item["actionName"], item["status"]) for item in details[:2]] == [
        ("Deploy", "Succeeded"),
        ("Deploy", "Failed"),
    ]

    other = client.list_pipeline_executions(pipelineName="other")["pipelineExecutionSummaries"]
    stopped = client.stop_pipeline_execution(
        pipelineName="other",
        pipelineExecutionId=other[0]["pipelineExecutionId"],
        abandon=True,
        reason="Not today",
    )
    assert stopped["pipelineExecutionId"] == other[0]["pipelineExecutionId"]
    client.delete_pipeline(name="other")
    assert [item["name"] for item in client.list_pipelines()["pipelines"]] == [DEMO]


def test_errors_carry_aws_codes_and_statuses_in_either_protocol(
    client: Any, engine: Engine
) -> None:
    engine.update_pipeline(declaration())
    assert error_code(client.get_pipeline_state, name="missing") == (
        "PipelineNotFoundException",
        400,
    )
    assert error_code(
        client.disable_stage_transition,
        pipelineName=DEMO,
        stageName="Nowhere",
        transitionType="Inbound",
        reason="Freeze",
    ) == ("StageNotFoundException", 400)
    assert error_code(client.list_pipelines, nextToken="not-a-token") == (
        "InvalidNextTokenException",
        400,
    )


def cbor_post(endpoint_url: str, operation: str, params: Any, **headers: str) -> Any:
    parts = urlsplit(endpoint_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    sent = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"} | headers
    try:
        connection.request("POST", CBOR_PATH + operation, body=cbor2.dumps(params), headers=sent)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_a_cbor_answer_says_its_protocol_and_tags_its_timestamps(
    server: CodePipelineServer, engine: Engine
) -> None:
    engine.update_pipeline(declaration())
    status, headers, body = cbor_post(server.endpoint_url, "GetPipeline", {"name": DEMO})
    assert status == 200
    assert headers["Content-Type"] == "application/cbor"
    assert headers["smithy-protocol"] == "rpc-v2-cbor"
    created = engine.call("GetPipeline", {"name": DEMO})["metadata"]["created"]
    # Tag 1 (0xc1) around a 64-bit float (0xfb) of epoch seconds.
    assert bytes([0xC1, 0xFB]) + cbor2.dumps(created.timestamp())[1:] in body
    assert cbor2.loads(body)["metadata"]["created"] == created


def test_a_cbor_error_names_the_error_shape(server: CodePipelineServer) -> None:
    status, headers, body = cbor_post(server.endpoint_url, "GetPipeline", {"name": "missing"})
    assert status == 400
    assert headers["smithy-protocol"] == "rpc-v2-cbor"
    answer = cbor2.loads(body)
    assert answer["__type"] == "com.amazonaws.codepipeline#PipelineNotFoundException"
    assert "missing" in answer["message"]


def test_a_cbor_request_without_its_protocol_header_is_refused(
    server: CodePipelineServer,
) -> None:
    status, _, body = cbor_post(
        server.endpoint_url, "ListPipelines", {}, **{"smithy-protocol": "rpc-v2-json"}
    )
    assert status == 400
    assert cbor2.loads(body)["__type"] == "SerializationException"


def test_a_cbor_body_that_is_not_a_map_is_refused(server: CodePipelineServer) -> None:
    status, _, body = cbor_post(server.endpoint_url, "ListPipelines", [1, 2])
    assert status == 400
    assert cbor2.loads(body)["__type"] == "SerializationException"


def test_the_local_targets_answer_in_cbor_too(server: CodePipelineServer, engine: Engine) -> None:
    engine.update_pipeline(declaration())
    parts = urlsplit(server.endpoint_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/service/GreenlightLocal/operation/Tick",
            body=cbor2.dumps({}),
            headers={"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
        )
        response = connection.getresponse()
        assert response.status == 200
        assert cbor2.loads(response.read()) == {"changed": False}
    finally:
        connection.close()
