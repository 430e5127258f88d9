"""Conformance against the model that ships with botocore: every response of every operation
fits its output shape (types, required members, enums, patterns, lengths, no unknown members)."""

from __future__ import annotations

import copy
import http.client
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import cbor2
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape

from local.codepipeline import shapes
from local.codepipeline.engine import Engine
from local.codepipeline.server import CodePipelineServer
from tests.codepipeline.scenario import FakeClock, Outbox, declaration, make_engine, run_for

Call = Callable[[str, dict[str, Any]], dict[str, Any]]


def conformance_problems(shape: Shape, value: Any, path: str = "", *, wire: bool) -> list[str]:
    """Where `value` departs from `shape`; `wire` means timestamps are epoch numbers."""
    where = path or "<response>"
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        problems = [
            f"{where}: missing required member {name}"
            for name in shape.required_members
            if name not in value
        ]
        for name, member_value in value.items():
            if name not in shape.members:
                problems.append(f"{where}: member {name} is not in {shape.name}")
            else:
                problems += conformance_problems(
                    shape.members[name], member_value, f"{path}.{name}".lstrip("."), wire=wire
                )
        return problems
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        problems = _length_problems(shape, len(value), where)
        for index, item in enumerate(value):
            problems += conformance_problems(shape.member, item, f"{path}[{index}]", wire=wire)
        return problems
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [f"{where}: expected a map"]
        problems = _length_problems(shape, len(value), where)
        for key, item in value.items():
            problems += conformance_problems(shape.key, key, f"{path}<key>", wire=wire)
            problems += conformance_problems(shape.value, item, f"{path}[{key}]", wire=wire)
        return problems
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string, got {type(value).__name__}"]
        problems = _length_problems(shape, len(value), where)
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            problems.append(f"{where}: {value!r} is not one of {enum}")
        pattern = shape.metadata.get("pattern")
        if pattern and re.fullmatch(pattern, value) is None:
            problems.append(f"{where}: {value!r} does not match {pattern}")
        return problems
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{where}: expected an integer"]
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            return [f"{where}: {value} is outside [{low}, {high}]"]
        return []
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected a boolean"]
    if kind == "timestamp":
        if wire:
            number = isinstance(value, int | float) and not isinstance(value, bool)
            return [] if number else [f"{where}: expected epoch seconds, got {value!r}"]
        aware = isinstance(value, datetime) and value.tzinfo is not None
        return [] if aware else [f"{where}: expected an aware datetime, got {value!r}"]
    if kind in ("double", "float"):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if number else [f"{where}: expected a number"]
    return [f"{where}: no check for shapes of type {kind}"]


def _length_problems(shape: Shape, length: int, where: str) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and length < low) or (high is not None and length > high):
        return [f"{where}: length {length} is outside [{low}, {high}]"]
    return []


def output_problems(operation: str, response: dict[str, Any], *, wire: bool) -> list[str]:
    shape = shapes.service_model().operation_model(operation).output_shape
    if shape is None:
        return [] if response == {} else [f"{operation} has no output, got {response}"]
    return conformance_problems(shape, response, wire=wire)


def exercise(call: Call, engine: Engine, clock: FakeClock) -> None:
    """Drive every operation through the states worth showing: waiting, superseded, approved,
    failed, stopped, parallel, paginated."""
    variables = [{"name": "Environment", "defaultValue": "production", "description": "Where"}]
    call(
        "CreatePipeline",
        {
            "pipeline": declaration(name="conformance", variables=variables),
            "tags": [{"key": "team", "value": "release"}],
        },
    )
    call("UpdatePipeline", {"pipeline": declaration()})
    call("UpdatePipeline", {"pipeline": declaration("two-approvers.json")})
    call("UpdatePipeline", {"pipeline": declaration("parallel.json")})
    first = call("StartPipelineExecution", {"name": "greenlight-demo"})["pipelineExecutionId"]
    run_for(engine, clock, 1.5)
    call("StartPipelineExecution", {"name": "greenlight-demo", "clientRequestToken": "again-1"})
    run_for(engine, clock, 1.5)
    call("StartPipelineExecution", {"name": "greenlight-demo"})
    run_for(engine, clock, 1.5)
    state = call("GetPipelineState", {"name": "greenlight-demo"})
    token = state["stageStates"][2]["actionStates"][0]["latestExecution"]["token"]
    engine.fail_next("greenlight-demo", "Deploy", "Deploy")
    call(
        "PutApprovalResult",
        {
            "pipelineName": "greenlight-demo",
            "stageName": "Approval",
            "actionName": "ManualApproval",
            "result": {"summary": "Fine by me", "status": "Approved"},
            "token": token,
        },
    )
    call("GetPipelineState", {"name": "greenlight-demo"})
    run_for(engine, clock, 2)
    failed = call("GetPipelineState", {"name": "greenlight-demo"})["stageStates"][3]
    call(
        "RetryStageExecution",
        {
            "pipelineName": "greenlight-demo",
            "stageName": "Deploy",
            "pipelineExecutionId": failed["latestExecution"]["pipelineExecutionId"],
            "retryMode": "FAILED_ACTIONS",
        },
    )
    run_for(engine, clock, 1)
    held = {"pipelineName": "greenlight-demo", "stageName": "Approval", "transitionType": "Inbound"}
    call("DisableStageTransition", held | {"reason": "Change freeze (until Monday)"})
    call("GetPipelineState", {"name": "greenlight-demo"})
    call("EnableStageTransition", held)
    call(
        "GetPipelineExecution",
        {"pipelineName": "greenlight-demo", "pipelineExecutionId": first},
    )
    stopping = call("StartPipelineExecution", {"name": "conformance"})["pipelineExecutionId"]
    run_for(engine, clock, 0.5)
    call(
        "StopPipelineExecution",
        {
            "pipelineName": "conformance",
            "pipelineExecutionId": stopping,
            "abandon": True,
            "reason": "Checking the shapes",
        },
    )
    call("GetPipelineExecution", {"pipelineName": "conformance", "pipelineExecutionId": stopping})
    call("ListPipelineExecutions", {"pipelineName": "conformance"})
    call("ListPipelineExecutions", {"pipelineName": "greenlight-demo", "maxResults": 2})
    call(
        "ListPipelineExecutions",
        {"pipelineName": "greenlight-demo", "filter": {"succeededInStage": {"stageName": "Build"}}},
    )
    for pipeline in ("greenlight-two-approvers", "greenlight-parallel", "greenlight-parallel"):
        call("StartPipelineExecution", {"name": pipeline})
    run_for(engine, clock, 2)
    two = call("GetPipelineState", {"name": "greenlight-two-approvers"})
    security = two["stageStates"][2]["actionStates"][0]["latestExecution"]["token"]
    call(
        "PutApprovalResult",
        {
            "pipelineName": "greenlight-two-approvers",
            "stageName": "Approval",
            "actionName": "SecurityApproval",
            "result": {"summary": "", "status": "Approved"},
            "token": security,
        },
    )
    for pipeline in ("greenlight-demo", "greenlight-two-approvers", "greenlight-parallel"):
        call("GetPipelineState", {"name": pipeline})
        call("ListActionExecutions", {"pipelineName": pipeline})
    call("ListActionExecutions", {"pipelineName": "greenlight-demo", "maxResults": 2})
    call(
        "ListActionExecutions",
        {
            "pipelineName": "greenlight-demo",
            "filter": {
                "latestInPipelineExecution": {
                    "pipelineExecutionId": first,
                    "startTimeRange": "Latest",
                }
            },
        },
    )
    call("GetPipeline", {"name": "greenlight-demo"})
    call("GetPipeline", {"name": "conformance", "version": 1})
    call("ListPipelines", {"maxResults": 1})
    call("ListPipelines", {})
    call("DeletePipeline", {"name": "conformance"})


@pytest.fixture(scope="module")
def responses_by_mode() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every response of the scenario, called on the engine and over the wire."""
    recorded: dict[str, dict[str, list[dict[str, Any]]]] = {}
    clock = FakeClock()
    engine = make_engine(clock, Outbox())
    recorded["engine"] = {}

    def direct(operation: str, params: dict[str, Any]) -> dict[str, Any]:
        response = engine.call(operation, copy.deepcopy(params))
        recorded["engine"].setdefault(operation, []).append(response)
        return response

    exercise(direct, engine, clock)

    wire_clock = FakeClock()
    wire_engine = make_engine(wire_clock, Outbox())
    recorded["wire"] = {}
    with CodePipelineServer(wire_engine, auto_advance=False) as server:
        parts = urlsplit(server.endpoint_url)

        def over_http(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
            try:
                connection.request(
                    "POST",
                    "/",
                    body=json.dumps(params).encode(),
                    headers={
                        "Content-Type": "application/x-amz-json-1.1",
                        "X-Amz-Target": f"CodePipeline_20150709.{operation}",
                    },
                )
                reply = connection.getresponse()
                body = json.loads(reply.read())
            finally:
                connection.close()
            assert reply.status == 200, body
            recorded["wire"].setdefault(operation, []).append(body)
            return dict(body)

        exercise(over_http, wire_engine, wire_clock)

    cbor_clock = FakeClock()
    cbor_engine = make_engine(cbor_clock, Outbox())
    recorded["cbor"] = {}
    with CodePipelineServer(cbor_engine, auto_advance=False) as server:
        parts = urlsplit(server.endpoint_url)

        def over_cbor(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
            try:
                connection.request(
                    "POST",
                    f"/service/CodePipeline_20150709/operation/{operation}",
                    body=cbor2.dumps(params),
                    headers={"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
                )
                reply = connection.getresponse()
                # Tag-1 timestamps come back as aware datetimes, checked as such below.
                body = cbor2.loads(reply.read())
            finally:
                connection.close()
            assert reply.status == 200, body
            recorded["cbor"].setdefault(operation, []).append(body)
            return dict(body)

        exercise(over_cbor, cbor_engine, cbor_clock)
    return recorded


SERVED = sorted(make_engine(FakeClock(), Outbox()).operations)


@pytest.mark.parametrize("mode", ["engine", "wire", "cbor"])
@pytest.mark.parametrize("operation", SERVED)
def test_every_response_of_the_operation_fits_botocores_output_shape(
    responses_by_mode: dict[str, dict[str, list[dict[str, Any]]]], mode: str, operation: str
) -> None:
    responses = responses_by_mode[mode].get(operation)
    assert responses, f"the scenario never called {operation}"
    for response in responses:
        assert output_problems(operation, response, wire=mode == "wire") == []


@pytest.mark.parametrize("mode", ["wire", "cbor"])
def test_the_scenario_reaches_the_interesting_members(
    responses_by_mode: dict[str, dict[str, list[dict[str, Any]]]], mode: str
) -> None:
    """Guards against a conformance pass that only saw empty answers."""
    seen = json.dumps(responses_by_mode[mode], default=str)
    for member in (
        "inboundExecution",
        "token",
        "lastUpdatedBy",
        "errorDetails",
        "stopTrigger",
        "artifactRevisions",
        "outputVariables",
        "resolvedConfiguration",
        "externalExecutionId",
        "nextToken",
        "currentRevision",
        "resolvedValue",
        "Superseded",
        "disabledReason",
        "lastChangedAt",
    ):
        assert f'"{member}"' in seen, member


def test_the_validator_notices_what_does_not_fit() -> None:
    operation = "GetPipelineState"
    good: dict[str, Any] = {
        "pipelineName": "p",
        "stageStates": [
            {"stageName": "Source", "latestExecution": {"pipelineExecutionId": "e", "status": "x"}}
        ],
        "created": 1.5,
    }
    problems = output_problems(operation, good, wire=True)
    assert any("'e' does not match" in problem for problem in problems)
    assert any("'x' is not one of" in problem for problem in problems)
    for broken, expected in (
        ({"pipelineName": "p", "surprise": 1}, "surprise is not in"),
        ({"stageStates": [{"latestExecution": {"status": "Failed"}}]}, "missing required"),
        ({"created": "yesterday"}, "expected epoch seconds"),
        ({"pipelineVersion": True}, "expected an integer"),
        ({"pipelineName": ""}, "length 0"),
    ):
        assert any(expected in problem for problem in output_problems(operation, broken, wire=True))
    assert output_problems(operation, {"created": 1.5}, wire=False) != []
