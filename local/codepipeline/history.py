"""What happened: GetPipelineExecution, ListPipelineExecutions and ListActionExecutions, and
the opaque page tokens of every List operation."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from local.codepipeline.links import revision_summary, revision_url
from local.codepipeline.records import (
    SUCCEEDED,
    Account,
    ActionRun,
    Execution,
    Params,
    Response,
    ServiceError,
    find_execution,
    made_up_sha,
)


def page_of(
    items: list[Any],
    *,
    key: Callable[[Any], Any],
    after: Callable[[Any, Any], bool],
    kind: str,
    max_results: int,
    next_token: str | None,
) -> tuple[list[Any], str | None]:
    """A page of `items` and the token of the next one; tokens mark the last item returned."""
    if next_token is not None:
        try:
            token_kind, mark = json.loads(base64.urlsafe_b64decode(next_token.encode()))
        except (ValueError, TypeError, binascii.Error):
            raise ServiceError("InvalidNextTokenException", "The next token is not valid") from None
        if token_kind != kind:
            raise ServiceError("InvalidNextTokenException", "The next token is not valid")
        try:
            items = [item for item in items if after(item, mark)]
        except TypeError:
            raise ServiceError("InvalidNextTokenException", "The next token is not valid") from None
    page = items[:max_results]
    if len(items) <= max_results:
        return page, None
    token = base64.urlsafe_b64encode(json.dumps([kind, key(page[-1])]).encode()).decode()
    return page, token


def _sources_done(execution: Execution) -> list[dict[str, Any]]:
    return [
        action
        for action in execution.declaration["stages"][0]["actions"]
        if action["name"] in execution.sources_done
    ]


def get_pipeline_execution(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["pipelineName"])
    execution = find_execution(pipeline, params["pipelineExecutionId"])
    artifacts = []
    for action in _sources_done(execution):
        revision = execution.revisions[action["name"]]
        for artifact in action.get("outputArtifacts") or ():
            entry: Response = {"name": artifact["name"], "revisionId": revision.commit_id}
            summary = revision_summary(action, revision)
            if summary:
                entry["revisionSummary"] = summary
            entry["created"] = revision.created
            url = revision_url(action, revision, account.region)
            if url:
                entry["revisionUrl"] = url
            artifacts.append(entry)
    detail: Response = {
        "pipelineName": pipeline.name,
        "pipelineVersion": execution.version,
        "pipelineExecutionId": execution.id,
        "status": execution.status,
    }
    if execution.status_summary:
        detail["statusSummary"] = execution.status_summary
    detail["artifactRevisions"] = artifacts
    if execution.variables:
        detail["variables"] = [
            {"name": name, "resolvedValue": value} for name, value in execution.variables.items()
        ]
    detail["trigger"] = dict(execution.trigger)
    detail["executionMode"] = execution.mode
    detail["executionType"] = "STANDARD"
    return {"pipelineExecution": detail}


def list_pipeline_executions(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["pipelineName"])
    executions = sorted(pipeline.executions, key=lambda item: item.seq, reverse=True)
    stage_filter = (params.get("filter") or {}).get("succeededInStage") or {}
    if stage_filter.get("stageName"):
        wanted = stage_filter["stageName"]
        executions = [
            item
            for item in executions
            if wanted in item.stages and item.stages[wanted].status == SUCCEEDED
        ]
    page, token = page_of(
        executions,
        key=lambda item: item.seq,
        after=lambda item, mark: item.seq < mark,
        kind="executions",
        max_results=params.get("maxResults", 100),
        next_token=params.get("nextToken"),
    )
    response: Response = {
        "pipelineExecutionSummaries": [_summary_of(account, item) for item in page]
    }
    if token:
        response["nextToken"] = token
    return response


def _summary_of(account: Account, execution: Execution) -> Response:
    summary: Response = {
        "pipelineExecutionId": execution.id,
        "status": execution.status,
    }
    if execution.status_summary:
        summary["statusSummary"] = execution.status_summary
    summary["startTime"] = execution.started
    summary["lastUpdateTime"] = execution.updated
    revisions = []
    for action in _sources_done(execution):
        revision = execution.revisions[action["name"]]
        entry: Response = {"actionName": action["name"], "revisionId": revision.commit_id}
        text = revision_summary(action, revision)
        if text:
            entry["revisionSummary"] = text
        url = revision_url(action, revision, account.region)
        if url:
            entry["revisionUrl"] = url
        revisions.append(entry)
    summary["sourceRevisions"] = revisions
    summary["trigger"] = dict(execution.trigger)
    if execution.stop is not None and execution.stop_reason:
        summary["stopTrigger"] = {"reason": execution.stop_reason}
    summary["executionMode"] = execution.mode
    summary["executionType"] = "STANDARD"
    return summary


def list_action_executions(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["pipelineName"])
    runs = [run for execution in pipeline.executions for run in execution.all_runs()]
    wanted = params.get("filter") or {}
    execution_id = wanted.get("pipelineExecutionId")
    latest_filter = wanted.get("latestInPipelineExecution")
    if latest_filter:
        execution_id = latest_filter["pipelineExecutionId"]
    if execution_id:
        find_execution(pipeline, execution_id)
        runs = [run for run in runs if run.execution.id == execution_id]
    if latest_filter and latest_filter["startTimeRange"] == "Latest":
        newest: dict[tuple[str, str], ActionRun] = {}
        for run in runs:
            key = (run.stage_name, run.name)
            if key not in newest or newest[key].seq < run.seq:
                newest[key] = run
        runs = list(newest.values())
    runs.sort(key=lambda item: item.seq, reverse=True)
    page, token = page_of(
        runs,
        key=lambda item: item.seq,
        after=lambda item, mark: item.seq < mark,
        kind="actions",
        max_results=params.get("maxResults", 100),
        next_token=params.get("nextToken"),
    )
    response: Response = {"actionExecutionDetails": [_action_detail(account, run) for run in page]}
    if token:
        response["nextToken"] = token
    return response


def _action_detail(account: Account, run: ActionRun) -> Response:
    execution = run.execution
    action = run.action
    region = action.get("region", account.region)
    bucket = _artifact_bucket(execution.declaration, region)
    action_input: Response = {"actionTypeId": dict(action["actionTypeId"])}
    if action.get("configuration"):
        action_input["configuration"] = dict(action["configuration"])
        action_input["resolvedConfiguration"] = dict(run.resolved_configuration)
    if action.get("roleArn"):
        action_input["roleArn"] = action["roleArn"]
    action_input["region"] = region
    action_input["inputArtifacts"] = [
        _artifact_detail(execution, artifact["name"], bucket)
        for artifact in action.get("inputArtifacts") or ()
    ]
    if action.get("namespace"):
        action_input["namespace"] = action["namespace"]
    detail: Response = {
        "pipelineExecutionId": execution.id,
        "actionExecutionId": run.action_execution_id,
        "pipelineVersion": execution.version,
        "stageName": run.stage_name,
        "actionName": run.name,
        "startTime": run.started,
        "lastUpdateTime": run.updated,
    }
    if run.updated_by:
        detail["updatedBy"] = run.updated_by
    detail["status"] = run.status
    detail["input"] = action_input
    result: Response = {}
    # For approvals the token is the external id: PARALLEL pipelines are approved with it.
    external_id = run.token or run.external_id
    if external_id:
        result["externalExecutionId"] = external_id
    if run.summary:
        result["externalExecutionSummary"] = run.summary
    if run.external_url:
        result["externalExecutionUrl"] = run.external_url
    if run.error:
        result["errorDetails"] = dict(run.error)
    output: Response = {}
    if run.status == SUCCEEDED and action.get("outputArtifacts"):
        output["outputArtifacts"] = [
            _artifact_detail(execution, artifact["name"], bucket)
            for artifact in action["outputArtifacts"]
        ]
    if result:
        output["executionResult"] = result
    if run.output_variables:
        output["outputVariables"] = dict(run.output_variables)
    if output:
        detail["output"] = output
    return detail


def _artifact_bucket(declaration: Mapping[str, Any], region: str) -> str:
    if "artifactStore" in declaration:
        return str(declaration["artifactStore"]["location"])
    stores = declaration.get("artifactStores") or {}
    store = stores.get(region) or next(iter(stores.values()), {"location": "artifacts"})
    return str(store["location"])


def _artifact_detail(execution: Execution, name: str, bucket: str) -> Response:
    key = f"{execution.pipeline_name[:20]}/{name[:20]}/{made_up_sha(execution.id, name)[:7]}"
    return {"name": name, "s3location": {"bucket": bucket, "key": key}}
