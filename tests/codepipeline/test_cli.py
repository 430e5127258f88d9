"""The stand-in's command line, run against a live stand-in the way the AWS CLI would be."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.codepipeline.cli import format_state_line, main, parse_result, state_lines
from local.codepipeline.engine import Engine
from local.codepipeline.server import CodePipelineServer
from tests.codepipeline.scenario import PIPELINES, FakeClock, run_for

SEED = f"file://{PIPELINES / 'seed-pipeline.json'}"


@pytest.fixture
def endpoint(engine: Engine) -> Iterator[str]:
    with CodePipelineServer(engine, auto_advance=False) as server:
        yield server.endpoint_url


def cli(endpoint: str, *args: str) -> str:
    """What a successful command printed."""
    out = io.StringIO()
    assert main(["--endpoint-url", endpoint, *args], out=out) == 0
    return out.getvalue()


def failing_cli(endpoint: str, *args: str) -> int:
    """The exit code of a command expected to fail."""
    return main(["--endpoint-url", endpoint, *args], out=io.StringIO())


def test_the_text_state_shows_each_stage_and_none_for_stages_not_run(
    endpoint: str, engine: Engine, clock: FakeClock
) -> None:
    output = cli(endpoint, "update-pipeline", "--cli-input-json", SEED)
    assert json.loads(output)["pipeline"]["version"] == 1
    output = cli(endpoint, "push", "--branch", "main", "--path", "src/a.py", "--message", "Hi")
    assert len(json.loads(output)["pipelineExecutionIds"]) == 1
    run_for(engine, clock, 1.5)
    output = cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo", "--output", "text")
    assert output == "Source:Succeeded\nBuild:Succeeded\nApproval:InProgress\nDeploy:None\n"
    output = cli(
        endpoint,
        "get-pipeline-state",
        "--name",
        "greenlight-demo",
        "--output",
        "text",
        "--one-line",
    )
    assert output == "Source:Succeeded  Build:Succeeded  Approval:InProgress  Deploy:None\n"
    output = cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo")
    token = json.loads(output)["stageStates"][2]["actionStates"][0]["latestExecution"]["token"]

    output = cli(
        endpoint,
        "put-approval-result",
        "--pipeline-name",
        "greenlight-demo",
        "--stage-name",
        "Approval",
        "--action-name",
        "ManualApproval",
        "--result",
        "summary=Fine, ship it,status=Approved",
        "--token",
        token,
    )
    assert "approvedAt" in json.loads(output)
    run_for(engine, clock, 0.5)
    output = cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo", "--output", "text")
    assert output.splitlines()[-1] == "Deploy:Succeeded"
    output = cli(endpoint, "list-action-executions", "--pipeline-name", "greenlight-demo")
    details = json.loads(output)["actionExecutionDetails"]
    approval = next(item for item in details if item["actionName"] == "ManualApproval")
    assert approval["output"]["executionResult"]["externalExecutionSummary"] == "Fine, ship it"


def test_service_errors_print_like_the_aws_cli(
    endpoint: str, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(endpoint, "update-pipeline", "--cli-input-json", SEED)
    code = failing_cli(
        endpoint,
        "put-approval-result",
        "--pipeline-name",
        "greenlight-demo",
        "--stage-name",
        "Approval",
        "--action-name",
        "ManualApproval",
        "--result",
        "summary=x,status=Approved",
        "--token",
        "00000000-0000-4000-8000-000000000000",
    )
    assert code == 254
    assert capsys.readouterr().err.startswith(
        "An error occurred (InvalidApprovalTokenException) when calling the "
        "PutApprovalResult operation: "
    )
    code = failing_cli(
        endpoint,
        "fail-next",
        "--pipeline-name",
        "missing",
        "--stage-name",
        "Build",
        "--action-name",
        "Build",
    )
    assert code == 254 and "PipelineNotFoundException" in capsys.readouterr().err


def test_other_verbs_answer_with_the_aws_shapes(endpoint: str, engine: Engine) -> None:
    cli(endpoint, "update-pipeline", "--cli-input-json", SEED)
    output = cli(endpoint, "start-pipeline-execution", "--name", "greenlight-demo")
    execution_id = json.loads(output)["pipelineExecutionId"]
    output = cli(
        endpoint,
        "get-pipeline-execution",
        "--pipeline-name",
        "greenlight-demo",
        "--pipeline-execution-id",
        execution_id,
    )
    assert json.loads(output)["pipelineExecution"]["status"] == "InProgress"
    output = cli(
        endpoint,
        "stop-pipeline-execution",
        "--pipeline-name",
        "greenlight-demo",
        "--pipeline-execution-id",
        execution_id,
        "--abandon",
    )
    assert json.loads(output) == {"pipelineExecutionId": execution_id}
    output = cli(endpoint, "list-pipeline-executions", "--pipeline-name", "greenlight-demo")
    assert json.loads(output)["pipelineExecutionSummaries"][0]["status"] == "Stopped"
    output = cli(endpoint, "list-pipelines")
    assert [item["name"] for item in json.loads(output)["pipelines"]] == ["greenlight-demo"]
    output = cli(endpoint, "get-pipeline", "--name", "greenlight-demo")
    assert json.loads(output)["metadata"]["created"].endswith("+00:00")


def test_the_state_line_is_the_one_the_demo_prints() -> None:
    state: dict[str, Any] = {
        "stageStates": [
            {"stageName": "Source", "latestExecution": {"status": "Succeeded"}},
            {"stageName": "Approval", "latestExecution": {"status": "InProgress"}},
            {"stageName": "Deploy"},
        ]
    }
    assert state_lines(state) == ["Source:Succeeded", "Approval:InProgress", "Deploy:None"]
    assert format_state_line(state) == "Source:Succeeded  Approval:InProgress  Deploy:None"


def test_results_are_read_from_shorthand_or_json() -> None:
    assert parse_result("summary=Looks good, thanks,status=Approved") == {
        "summary": "Looks good, thanks",
        "status": "Approved",
    }
    assert parse_result("status=Rejected,summary='Not yet'") == {
        "status": "Rejected",
        "summary": "Not yet",
    }
    assert parse_result('{"summary": "ok", "status": "Approved"}') == {
        "summary": "ok",
        "status": "Approved",
    }
    with pytest.raises(argparse.ArgumentTypeError):
        parse_result("Approved")


def test_without_an_endpoint_the_cli_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_CODEPIPELINE", raising=False)
    assert main(["list-pipelines"], out=io.StringIO()) == 252
    assert "AWS_ENDPOINT_URL_CODEPIPELINE" in capsys.readouterr().err


README_TOKEN_QUERY = ("stageStates[?stageName=='Approval'].actionStates[0]"
                      ".latestExecution.token | [0]")


def test_the_readme_token_query_prints_the_token_as_the_aws_cli_does(
    endpoint: str, engine: Engine, clock: FakeClock
) -> None:
    cli(endpoint, "update-pipeline", "--cli-input-json", SEED)
    cli(endpoint, "push", "--branch", "main", "--path", "src/a.py", "--message", "Hi")
    run_for(engine, clock, 1.5)
    state = json.loads(cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo"))
    token = state["stageStates"][2]["actionStates"][0]["latestExecution"]["token"]

    text = cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo",
               "--query", README_TOKEN_QUERY, "--output", "text")
    as_json = cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo",
                  "--query", README_TOKEN_QUERY)

    assert text == f"{token}\n"
    assert json.loads(as_json) == token
    rows = cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo", "--output", "text",
               "--query", "stageStates[].[stageName, latestExecution.status]")
    assert rows.splitlines() == ["Source\tSucceeded", "Build\tSucceeded",
                                 "Approval\tInProgress", "Deploy\tNone"]


def test_an_operator_holds_a_run_at_a_transition_and_retries_a_failed_stage(
    endpoint: str, engine: Engine, clock: FakeClock
) -> None:
    cli(endpoint, "update-pipeline", "--cli-input-json", SEED)
    held = ("--pipeline-name", "greenlight-demo", "--stage-name", "Approval",
            "--transition-type", "Inbound")
    assert cli(endpoint, "disable-stage-transition", *held, "--reason", "Release freeze") == ""
    cli(endpoint, "fail-next", "--pipeline-name", "greenlight-demo", "--stage-name", "Build",
        "--action-name", "Lint")
    execution_id = json.loads(
        cli(endpoint, "start-pipeline-execution", "--name", "greenlight-demo")
    )["pipelineExecutionId"]
    run_for(engine, clock, 1)
    state = json.loads(cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo"))
    assert state["stageStates"][2]["inboundTransitionState"]["disabledReason"] == "Release freeze"
    retried = cli(endpoint, "retry-stage-execution", "--pipeline-name", "greenlight-demo",
                  "--stage-name", "Build", "--pipeline-execution-id", execution_id,
                  "--retry-mode", "FAILED_ACTIONS")
    assert json.loads(retried) == {"pipelineExecutionId": execution_id}
    run_for(engine, clock, 1)
    line = cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo", "--output", "text",
               "--one-line")
    assert line == "Source:Succeeded  Build:Succeeded  Approval:None  Deploy:None\n"
    assert cli(endpoint, "enable-stage-transition", *held) == ""
    line = cli(endpoint, "get-pipeline-state", "--name", "greenlight-demo", "--output", "text",
               "--one-line")
    assert line == "Source:Succeeded  Build:Succeeded  Approval:InProgress  Deploy:None\n"
    again = ("--pipeline-name", "greenlight-demo", "--stage-name", "Build",
             "--pipeline-execution-id", execution_id, "--retry-mode", "ALL_ACTIONS")
    assert failing_cli(endpoint, "retry-stage-execution", *again) == 254
