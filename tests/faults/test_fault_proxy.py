"""The fault proxy: AWS-shaped errors botocore reads as the real thing, everything else
forwarded untouched."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from local.codepipeline.engine import Engine
from local.codepipeline.server import CodePipelineServer
from local.faults import FaultProxy
from tests.adversarial.observe import EngineCalls, observed

# One attempt: these tests look at single answers, not at the retry policy.
ONCE = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=5,
              region_name="us-east-1")
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(publish=lambda topic, message: None)


@pytest.fixture(scope="module")
def upstream(engine: Engine) -> Iterator[str]:
    with CodePipelineServer(engine, auto_advance=False) as server:
        yield server.endpoint_url


@pytest.fixture
def proxy(upstream: str) -> Iterator[FaultProxy]:
    with FaultProxy(upstream) as proxy:
        yield proxy


@pytest.fixture
def engine_calls(engine: Engine) -> Iterator[EngineCalls]:
    with observed(engine) as calls:
        yield calls


def client(service: str, proxy: FaultProxy) -> Any:
    make: Any = boto3.client  # any service, by name
    return make(service, endpoint_url=proxy.url, config=ONCE, **CREDENTIALS)


def error_of(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_requests_without_a_fault_reach_the_upstream_unchanged(
    proxy: FaultProxy, engine_calls: EngineCalls,
) -> None:
    codepipeline = client("codepipeline", proxy)
    assert codepipeline.list_pipelines()["pipelines"] == []
    assert error_of(lambda: codepipeline.get_pipeline_state(name="missing")) == (
        "PipelineNotFoundException", 400)
    assert [call.operation for call in engine_calls.calls] == ["ListPipelines",
                                                               "GetPipelineState"]
    assert proxy.count("codepipeline") == 2 and proxy.count("codepipeline", faulted=True) == 0


def test_a_json_service_fails_the_given_number_of_times_with_its_own_error(
    proxy: FaultProxy, engine_calls: EngineCalls,
) -> None:
    codepipeline = client("codepipeline", proxy)
    fault = proxy.inject("codepipeline.ListPipelines", code="ThrottlingException", times=2)

    assert error_of(codepipeline.list_pipelines) == ("ThrottlingException", 400)
    assert error_of(codepipeline.list_pipelines) == ("ThrottlingException", 400)
    assert codepipeline.list_pipelines()["pipelines"] == []
    assert fault.hits == 2
    assert engine_calls.count("ListPipelines") == 1


@pytest.mark.parametrize(("service", "match", "code", "status"), [
    ("sesv2", "ses.SendEmail", "TooManyRequestsException", 429),
    ("sesv2", "SendEmail", "InternalFailure", 500),
    ("secretsmanager", "secretsmanager.GetSecretValue", "InternalServiceError", 500),
    ("codepipeline", "CodePipeline_20150709.PutApprovalResult", "ServiceUnavailable", 503),
    ("sns", "sns.Publish", "Throttling", 400),
])
def test_each_protocol_carries_the_error_code_botocore_reads(
    proxy: FaultProxy, service: str, match: str, code: str, status: int,
) -> None:
    proxy.inject(match, code=code)
    calls = {
        "sesv2": lambda c: c.send_email(
            FromEmailAddress="a@example.com", Destination={"ToAddresses": ["b@example.com"]},
            Content={"Raw": {"Data": b"Subject: x\r\n\r\nx"}}),
        "secretsmanager": lambda c: c.get_secret_value(SecretId="key"),
        "codepipeline": lambda c: c.put_approval_result(
            pipelineName="p", stageName="s", actionName="a", token="t",
            result={"summary": "x", "status": "Approved"}),
        "sns": lambda c: c.publish(TopicArn="arn:aws:sns:us-east-1:123456789012:t",
                                   Message="x"),
    }
    aws = client(service, proxy)

    assert error_of(lambda: calls[service](aws)) == (code, status)


def test_a_fault_can_single_out_requests_by_their_body(
    proxy: FaultProxy, engine_calls: EngineCalls,
) -> None:
    codepipeline = client("codepipeline", proxy)
    proxy.inject("GetPipelineState", code="InternalFailure", times=None, body_contains="bob")

    assert error_of(lambda: codepipeline.get_pipeline_state(name="bob")) == (
        "InternalFailure", 500)
    assert error_of(lambda: codepipeline.get_pipeline_state(name="alice")) == (
        "PipelineNotFoundException", 400)
    assert engine_calls.count("GetPipelineState") == 1


def test_a_dropped_request_never_reaches_the_upstream(
    proxy: FaultProxy, engine_calls: EngineCalls,
) -> None:
    proxy.inject("ListPipelines", drop=True)

    with pytest.raises(ConnectionClosedError):
        client("codepipeline", proxy).list_pipelines()
    assert engine_calls.count("ListPipelines") == 0


def test_a_lost_answer_leaves_the_upstream_having_acted(
    proxy: FaultProxy, engine_calls: EngineCalls,
) -> None:
    proxy.inject("ListPipelines", lose_answer=True)

    with pytest.raises(ConnectionClosedError):
        client("codepipeline", proxy).list_pipelines()
    assert engine_calls.count("ListPipelines") == 1


def test_a_delayed_request_is_answered_late(proxy: FaultProxy) -> None:
    proxy.inject("ListPipelines", delay=0.3)
    started = time.monotonic()

    assert client("codepipeline", proxy).list_pipelines()["pipelines"] == []
    assert time.monotonic() - started >= 0.3
    assert proxy.wait_idle(5)


def test_a_fault_needs_something_to_do(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError, match="needs"):
        proxy.inject("ListPipelines")
