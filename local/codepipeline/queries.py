"""What a pipeline looks like now: GetPipeline, ListPipelines and GetPipelineState."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from local.codepipeline.history import page_of
from local.codepipeline.links import entity_url, revision_url
from local.codepipeline.modes import waiting_at
from local.codepipeline.records import (
    IN_PROGRESS,
    PARALLEL_MODE,
    QUEUED_MODE,
    Account,
    ActionRun,
    Params,
    Pipeline,
    Response,
    ServiceError,
)
from local.codepipeline.transitions import inbound_state


def get_pipeline(account: Account, params: Params, now: datetime, caller: str | None) -> Response:
    pipeline = account.pipeline(params["name"])
    version = params.get("version", pipeline.version)
    declaration = pipeline.versions.get(version)
    if declaration is None:
        raise ServiceError(
            "PipelineVersionNotFoundException",
            f"Pipeline {pipeline.name} has no version {version}",
        )
    return {
        "pipeline": copy.deepcopy(declaration),
        "metadata": {
            "pipelineArn": (
                f"arn:aws:codepipeline:{account.region}:{account.account_id}:{pipeline.name}"
            ),
            "created": pipeline.created,
            "updated": pipeline.updated,
        },
    }


def list_pipelines(account: Account, params: Params, now: datetime, caller: str | None) -> Response:
    pipelines = sorted(account.pipelines.values(), key=lambda item: item.name)
    page, token = page_of(
        pipelines,
        key=lambda item: item.name,
        after=lambda item, mark: item.name > mark,
        kind="pipelines",
        max_results=params.get("maxResults", 100),
        next_token=params.get("nextToken"),
    )
    response: Response = {
        "pipelines": [
            {
                "name": pipeline.name,
                "version": pipeline.version,
                "pipelineType": pipeline.declaration["pipelineType"],
                "executionMode": pipeline.declaration["executionMode"],
                "created": pipeline.created,
                "updated": pipeline.updated,
            }
            for pipeline in page
        ]
    }
    if token:
        response["nextToken"] = token
    return response


def get_pipeline_state(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["name"])
    mode = pipeline.declaration["executionMode"]
    states = []
    for stage in pipeline.declaration["stages"]:
        name = stage["name"]
        state: Response = {"stageName": name}
        waiting = sorted(waiting_at(pipeline, name), key=lambda item: item.seq)
        if waiting:
            upcoming = waiting[0] if mode == QUEUED_MODE else waiting[-1]
            state["inboundExecution"] = {
                "pipelineExecutionId": upcoming.id,
                "status": IN_PROGRESS,
            }
            state["inboundExecutions"] = [
                {"pipelineExecutionId": item.id, "status": IN_PROGRESS} for item in waiting
            ]
        state["inboundTransitionState"] = inbound_state(pipeline, name)
        state["actionStates"] = [
            _action_state(account, pipeline, name, action, mode) for action in stage["actions"]
        ]
        latest = pipeline.latest_stage_run(name)
        if latest is not None:
            stage_run, execution = latest
            state["latestExecution"] = {
                "pipelineExecutionId": execution.id,
                "status": stage_run.status,
            }
        states.append(state)
    return {
        "pipelineName": pipeline.name,
        "pipelineVersion": pipeline.version,
        "stageStates": states,
        "created": pipeline.created,
        "updated": pipeline.updated,
    }


def _action_state(
    account: Account,
    pipeline: Pipeline,
    stage_name: str,
    action: Mapping[str, Any],
    mode: str,
) -> Response:
    state: Response = {"actionName": action["name"]}
    runs = [
        run
        for execution in pipeline.executions
        if stage_name in execution.stages
        for run in execution.stages[stage_name].all_runs()
        if run.name == action["name"]
    ]
    latest = max(runs, key=lambda item: item.seq) if runs else None
    link = None
    if latest is not None:
        revision = latest.execution.revisions.get(latest.name)
        if latest.name in latest.execution.sources_done and revision is not None:
            state["currentRevision"] = {
                "revisionId": revision.commit_id,
                "revisionChangeId": revision.commit_id,
                "created": revision.created,
            }
            link = revision_url(action, revision, account.region)
        state["latestExecution"] = _action_execution(latest, mode)
    entity = entity_url(action, account.region)
    if entity:
        state["entityUrl"] = entity
    if link:
        state["revisionUrl"] = link
    return state


def _action_execution(run: ActionRun, mode: str) -> Response:
    result: Response = {
        "actionExecutionId": run.action_execution_id,
        "status": run.status,
    }
    if run.summary:
        result["summary"] = run.summary
    result["lastStatusChange"] = run.updated
    # PARALLEL pipelines hide the token; it is the externalExecutionId of ListActionExecutions.
    if run.token and run.status == IN_PROGRESS and mode != PARALLEL_MODE:
        result["token"] = run.token
    if run.updated_by:
        result["lastUpdatedBy"] = run.updated_by
    if run.external_id:
        result["externalExecutionId"] = run.external_id
    if run.external_url:
        result["externalExecutionUrl"] = run.external_url
    if run.error:
        result["errorDetails"] = dict(run.error)
    return result
