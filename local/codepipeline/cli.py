"""A command line for the CodePipeline stand-in shaped like `aws codepipeline ...` (pipelines,
executions, approvals, stage transitions and retries), plus its own `push` and `fail-next` verbs
and `serve` to run it."""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import boto3
import jmespath
from botocore.exceptions import BotoCoreError, ClientError

from local.codepipeline.engine import Engine
from local.codepipeline.protocols import encode_json
from local.codepipeline.server import LOCAL_TARGET, CodePipelineServer

logger = logging.getLogger(__name__)

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_CODEPIPELINE"
DEFAULT_PORT = 4599
# The AWS CLI's exit codes: 252 for bad usage, 254 for an error the service answered,
# 255 for anything else.
USAGE_ERROR, SERVICE_ERROR, OTHER_ERROR = 252, 254, 255


class LocalCallError(Exception):
    """An error the stand-in answered to one of its own verbs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def state_lines(state: Mapping[str, Any]) -> list[str]:
    """`Stage:Status` for each stage; `None` where the stage has no latest execution."""
    return [
        f"{stage['stageName']}:{(stage.get('latestExecution') or {}).get('status', 'None')}"
        for stage in state.get("stageStates", [])
    ]


def format_state_line(state: Mapping[str, Any]) -> str:
    """All stages on one line, two spaces apart, as the AWS CLI's text output of
    `--query 'stageStates[].[stageName,latestExecution.status]'` reads in the README:
    `Source:Succeeded  Build:Succeeded  Approval:InProgress  Deploy:None`."""
    return "  ".join(state_lines(state))


def parse_result(text: str) -> dict[str, str]:
    """`--result` as the AWS CLI takes it: shorthand `summary=...,status=Approved` or JSON."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"--result is not valid JSON: {error}") from None
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError("--result must be a JSON object")
        return value
    result: dict[str, str] = {}
    # Commas may appear inside the summary, so split only before the next known key.
    for part in re.split(r",(?=\s*(?:summary|status)=)", text):
        key, separator, value = part.partition("=")
        if not separator:
            raise argparse.ArgumentTypeError(f"expected key=value in --result, got {part!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        result[key.strip()] = value
    return result


def read_input_json(value: str) -> dict[str, Any]:
    """`--cli-input-json`: JSON text or `file://path`, as the AWS CLI reads it."""
    text = value
    if value.startswith("file://"):
        text = Path(value.removeprefix("file://")).read_text(encoding="utf-8")
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("--cli-input-json must hold a JSON object")
    return document


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _text_rows(value: Any) -> list[str]:
    """The AWS CLI's `--output text` of a query result: scalars as they are, a list of
    scalars on one tab-separated line, a list of lists one line each; `None` for null."""
    if isinstance(value, list):
        if value and all(isinstance(item, list) for item in value):
            return [row for item in value for row in _text_rows(item)]
        return ["\t".join("None" if item is None else
                          item if isinstance(item, str) else json.dumps(item, default=_iso)
                          for item in value)]
    if isinstance(value, dict):
        return ["\t".join(str(item) for item in value.values())]
    return ["None" if value is None else str(value)]


def _emit(args: argparse.Namespace, out: TextIO, response: Mapping[str, Any]) -> None:
    """Write a response as the AWS CLI does: `--query` (JMESPath) first, then `--output`."""
    body: Any = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    query = getattr(args, "query", None)
    if query:
        body = jmespath.search(query, json.loads(json.dumps(body, default=_iso)))
    if getattr(args, "output", "json") == "text":
        if body is not None or query:
            out.writelines(row + "\n" for row in _text_rows(body))
        return
    out.write(json.dumps(body, indent=4, default=_iso, ensure_ascii=False) + "\n")


def _client(args: argparse.Namespace) -> Any:
    options: dict[str, Any] = {"endpoint_url": args.endpoint_url, "region_name": args.region}
    if not os.environ.get("AWS_ACCESS_KEY_ID") and not os.environ.get("AWS_PROFILE"):
        # The stand-in checks no signature; fixed keys spare a search for real credentials.
        placeholder = "testing"
        options |= {"aws_access_key_id": placeholder, "aws_secret_access_key": placeholder}
    return boto3.client("codepipeline", **options)


def _all_pages(client: Any, operation: str, key: str, **params: Any) -> dict[str, Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key, []))
    return {key: items}


def call_local(endpoint_url: str, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Call one of the stand-in's own targets (`GreenlightLocal.<operation>`)."""
    parts = urlsplit(endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) endpoint: {endpoint_url}")
    connection_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_type(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            parts.path or "/",
            body=json.dumps(params, default=encode_json).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"{LOCAL_TARGET}.{operation}",
            },
        )
        response = connection.getresponse()
        body = json.loads(response.read() or b"{}")
    finally:
        connection.close()
    if response.status >= 400:
        raise LocalCallError(body.get("__type", "Error"), body.get("message", ""))
    return dict(body)


def _update_pipeline(args: argparse.Namespace, out: TextIO) -> int:
    _emit(args, out, _client(args).update_pipeline(**read_input_json(args.cli_input_json)))
    return 0


def _create_pipeline(args: argparse.Namespace, out: TextIO) -> int:
    _emit(args, out, _client(args).create_pipeline(**read_input_json(args.cli_input_json)))
    return 0


def _start_pipeline_execution(args: argparse.Namespace, out: TextIO) -> int:
    params: dict[str, Any] = {"name": args.name}
    if args.client_request_token:
        params["clientRequestToken"] = args.client_request_token
    _emit(args, out, _client(args).start_pipeline_execution(**params))
    return 0


def _stop_pipeline_execution(args: argparse.Namespace, out: TextIO) -> int:
    params: dict[str, Any] = {
        "pipelineName": args.pipeline_name,
        "pipelineExecutionId": args.pipeline_execution_id,
        "abandon": args.abandon,
    }
    if args.reason:
        params["reason"] = args.reason
    _emit(args, out, _client(args).stop_pipeline_execution(**params))
    return 0


def _get_pipeline(args: argparse.Namespace, out: TextIO) -> int:
    params: dict[str, Any] = {"name": args.name}
    if args.pipeline_version:
        params["version"] = args.pipeline_version
    _emit(args, out, _client(args).get_pipeline(**params))
    return 0


def _get_pipeline_state(args: argparse.Namespace, out: TextIO) -> int:
    state = _client(args).get_pipeline_state(name=args.name)
    if args.output == "json" or args.query:
        _emit(args, out, state)
    elif args.one_line:
        out.write(format_state_line(state) + "\n")
    else:
        out.writelines(line + "\n" for line in state_lines(state))
    return 0


def _get_pipeline_execution(args: argparse.Namespace, out: TextIO) -> int:
    response = _client(args).get_pipeline_execution(
        pipelineName=args.pipeline_name, pipelineExecutionId=args.pipeline_execution_id
    )
    _emit(args, out, response)
    return 0


def _list_pipeline_executions(args: argparse.Namespace, out: TextIO) -> int:
    response = _all_pages(
        _client(args),
        "list_pipeline_executions",
        "pipelineExecutionSummaries",
        pipelineName=args.pipeline_name,
    )
    _emit(args, out, response)
    return 0


def _list_pipelines(args: argparse.Namespace, out: TextIO) -> int:
    _emit(args, out, _all_pages(_client(args), "list_pipelines", "pipelines"))
    return 0


def _put_approval_result(args: argparse.Namespace, out: TextIO) -> int:
    response = _client(args).put_approval_result(
        pipelineName=args.pipeline_name,
        stageName=args.stage_name,
        actionName=args.action_name,
        result=args.result,
        token=args.token,
    )
    _emit(args, out, response)
    return 0


def _list_action_executions(args: argparse.Namespace, out: TextIO) -> int:
    params: dict[str, Any] = {"pipelineName": args.pipeline_name}
    if args.pipeline_execution_id:
        params["filter"] = {"pipelineExecutionId": args.pipeline_execution_id}
    response = _all_pages(
        _client(args), "list_action_executions", "actionExecutionDetails", **params
    )
    _emit(args, out, response)
    return 0


def _disable_stage_transition(args: argparse.Namespace, out: TextIO) -> int:
    # Like the AWS CLI, an operation without output prints nothing.
    _client(args).disable_stage_transition(
        pipelineName=args.pipeline_name,
        stageName=args.stage_name,
        transitionType=args.transition_type,
        reason=args.reason,
    )
    return 0


def _enable_stage_transition(args: argparse.Namespace, out: TextIO) -> int:
    _client(args).enable_stage_transition(
        pipelineName=args.pipeline_name,
        stageName=args.stage_name,
        transitionType=args.transition_type,
    )
    return 0


def _retry_stage_execution(args: argparse.Namespace, out: TextIO) -> int:
    response = _client(args).retry_stage_execution(
        pipelineName=args.pipeline_name,
        stageName=args.stage_name,
        pipelineExecutionId=args.pipeline_execution_id,
        retryMode=args.retry_mode,
    )
    _emit(args, out, response)
    return 0


def _push(args: argparse.Namespace, out: TextIO) -> int:
    params: dict[str, Any] = {"paths": args.path, "message": args.message, "author": args.author}
    for key, value in (
        ("branch", args.branch),
        ("tag", args.tag),
        ("commitId", args.commit_id),
        ("repository", args.repository),
    ):
        if value is not None:
            params[key] = value
    _emit(args, out, call_local(args.endpoint_url, "Push", params))
    return 0


def _fail_next(args: argparse.Namespace, out: TextIO) -> int:
    call_local(
        args.endpoint_url,
        "FailNext",
        {
            "pipelineName": args.pipeline_name,
            "stageName": args.stage_name,
            "actionName": args.action_name,
        },
    )
    return 0


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    publish = _sns_publisher(args.region) if args.sns else _log_publisher
    engine = Engine(publish=publish, action_seconds=args.action_seconds, region=args.region)
    for path in args.pipeline:
        document = read_input_json(f"file://{path}")
        engine.update_pipeline(document.get("pipeline", document))
    stopped = threading.Event()
    with CodePipelineServer(engine, host=args.host, port=args.port) as server:
        out.write(f"{ENDPOINT_VARIABLE}={server.endpoint_url}\n")
        out.flush()
        try:
            while not stopped.wait(1):
                pass
        except KeyboardInterrupt:
            logger.info("stopping")
    return 0


def _log_publisher(topic_arn: str, message: str) -> None:
    logger.info("approval request for %s: %s", topic_arn, message)


def _sns_publisher(region: str) -> Callable[[str, str], None]:
    """Publish to SNS as CodePipeline does (boto3 honours AWS_ENDPOINT_URL_SNS)."""
    sns = boto3.client("sns", region_name=region)

    def publish(topic_arn: str, message: str) -> None:
        approval = json.loads(message)["approval"]
        subject = (
            f"APPROVAL NEEDED: AWS CodePipeline {approval['pipelineName']} "
            f"for action {approval['actionName']}"
        )
        sns.publish(TopicArn=topic_arn, Message=message, Subject=subject[:100])

    return publish


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local.codepipeline",
        description="Talk to the local CodePipeline stand-in the way `aws codepipeline` does.",
    )
    _global_options(parser, None)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace, TextIO], int], text: str) -> Any:
        sub = commands.add_parser(name, help=text, description=text)
        _global_options(sub, argparse.SUPPRESS)
        sub.set_defaults(run=run)
        return sub

    for name, run, text in (
        ("update-pipeline", _update_pipeline, "Create or update a pipeline from a pipeline.json"),
        ("create-pipeline", _create_pipeline, "Create a pipeline (it runs once, as on AWS)"),
    ):
        command(name, run, text).add_argument("--cli-input-json", required=True)
    sub = command("start-pipeline-execution", _start_pipeline_execution, "Start a pipeline")
    sub.add_argument("--name", required=True)
    sub.add_argument("--client-request-token")
    sub = command("stop-pipeline-execution", _stop_pipeline_execution, "Stop an execution")
    sub.add_argument("--pipeline-name", required=True)
    sub.add_argument("--pipeline-execution-id", required=True)
    sub.add_argument("--abandon", action="store_true")
    sub.add_argument("--reason")
    sub = command("get-pipeline", _get_pipeline, "Show a pipeline's declaration")
    sub.add_argument("--name", required=True)
    sub.add_argument("--pipeline-version", type=int)
    sub = command("get-pipeline-state", _get_pipeline_state, "Show the state of each stage")
    sub.add_argument("--name", required=True)
    sub.add_argument(
        "--one-line", action="store_true", help="with --output text: all stages on one line"
    )
    sub = command("get-pipeline-execution", _get_pipeline_execution, "Show one execution")
    sub.add_argument("--pipeline-name", required=True)
    sub.add_argument("--pipeline-execution-id", required=True)
    sub = command("list-pipeline-executions", _list_pipeline_executions, "List executions")
    sub.add_argument("--pipeline-name", required=True)
    command("list-pipelines", _list_pipelines, "List pipelines")
    sub = command("put-approval-result", _put_approval_result, "Approve or reject")
    sub.add_argument("--pipeline-name", required=True)
    sub.add_argument("--stage-name", required=True)
    sub.add_argument("--action-name", required=True)
    sub.add_argument(
        "--result", required=True, type=parse_result, help="summary=...,status=Approved|Rejected"
    )
    sub.add_argument("--token", required=True)
    sub = command("list-action-executions", _list_action_executions, "List action executions")
    sub.add_argument("--pipeline-name", required=True)
    sub.add_argument("--pipeline-execution-id")
    transitions = (
        ("disable-stage-transition", _disable_stage_transition, "Hold runs at a transition"),
        ("enable-stage-transition", _enable_stage_transition, "Let runs through a transition"),
    )
    for name, run, text in transitions:
        sub = command(name, run, text)
        sub.add_argument("--pipeline-name", required=True)
        sub.add_argument("--stage-name", required=True)
        sub.add_argument("--transition-type", required=True, choices=("Inbound", "Outbound"))
        if name.startswith("disable"):
            sub.add_argument("--reason", required=True)
    sub = command("retry-stage-execution", _retry_stage_execution, "Retry a failed stage")
    sub.add_argument("--pipeline-name", required=True)
    sub.add_argument("--stage-name", required=True)
    sub.add_argument("--pipeline-execution-id", required=True)
    sub.add_argument("--retry-mode", required=True, choices=("FAILED_ACTIONS", "ALL_ACTIONS"))
    sub = command("push", _push, "Simulate a git push; starts the pipelines it triggers")
    ref = sub.add_mutually_exclusive_group(required=True)
    ref.add_argument("--branch")
    ref.add_argument("--tag")
    sub.add_argument("--path", action="append", default=[], help="a changed file (repeatable)")
    sub.add_argument("--message", default="")
    sub.add_argument("--commit-id")
    sub.add_argument("--author", default="Jane Doe")
    sub.add_argument("--repository", help="owner/name; default: every repository")
    sub = command("fail-next", _fail_next, "Make the next run of an action fail")
    sub.add_argument("--pipeline-name", required=True)
    sub.add_argument("--stage-name", required=True)
    sub.add_argument("--action-name", required=True)
    sub = command("serve", _serve, "Run the stand-in until interrupted")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=DEFAULT_PORT)
    sub.add_argument("--pipeline", action="append", default=[], help="a pipeline.json to load")
    sub.add_argument("--action-seconds", type=float, default=0.5)
    sub.add_argument("--sns", action="store_true", help="publish approvals to SNS, not the log")
    return parser


def _global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    # The AWS CLI takes its global options before or after the command.
    parser.add_argument(
        "--endpoint-url",
        default=os.environ.get(ENDPOINT_VARIABLE) if default is None else default,
        help=f"the stand-in's URL (default: ${ENDPOINT_VARIABLE})",
    )
    parser.add_argument("--output", choices=("json", "text"),
                        default="json" if default is None else default)
    parser.add_argument("--query", default=None if default is None else default,
                        help="a JMESPath expression applied to the response, as in the AWS CLI")
    parser.add_argument(
        "--region",
        default=(
            os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        )
        if default is None
        else default,
    )


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    needs_endpoint = args.command != "serve"
    if needs_endpoint and not args.endpoint_url:
        sys.stderr.write(f"error: give --endpoint-url or set {ENDPOINT_VARIABLE}\n")
        return USAGE_ERROR
    try:
        return int(args.run(args, out))
    except ClientError as error:
        details = error.response.get("Error", {})
        sys.stderr.write(
            f"An error occurred ({details.get('Code')}) when calling the "
            f"{error.operation_name} operation: {details.get('Message')}\n"
        )
        return SERVICE_ERROR
    except LocalCallError as error:
        sys.stderr.write(f"An error occurred ({error.code}): {error.message}\n")
        return SERVICE_ERROR
    except (BotoCoreError, OSError, ValueError) as error:
        sys.stderr.write(f"error: {error}\n")
        return OTHER_ERROR
