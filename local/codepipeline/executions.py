"""Executions and their scheduling: starting one, moving it group by group (runOrder) and stage
by stage as time passes, and StartPipelineExecution and StopPipelineExecution."""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from local.codepipeline import modes, sources
from local.codepipeline.actions import finish_run, start_group
from local.codepipeline.records import (
    FAILED,
    IN_PROGRESS,
    STOPPED,
    STOPPING,
    SUCCEEDED,
    Account,
    Execution,
    Params,
    Pipeline,
    Response,
    Revision,
    ServiceError,
    action_declaration,
    find_execution,
)

logger = logging.getLogger(__name__)


def advance(account: Account, now: datetime) -> bool:
    """Finish due action runs in the order they fell due, as if time had passed smoothly."""
    changed = settle(account, now)
    while True:
        due = [
            (run.due, run.seq, run)
            for run in account.running.values()
            if run.due is not None and run.due <= now
        ]
        if not due:
            return changed
        when, _, run = min(due, key=lambda item: (item[0], item[1]))
        finish_run(account, run, when)
        settle(account, when)
        changed = True


def settle(account: Account, at: datetime) -> bool:
    """Make every transition that needs no time: next groups, next stages, admissions."""
    changed_any = False
    while True:
        changed = False
        for pipeline in list(account.pipelines.values()):
            for execution in [item for item in pipeline.executions if item.active]:
                changed = _progress(account, pipeline, execution, at) or changed
            changed = modes.admit(account, pipeline, at) or changed
        if not changed:
            return changed_any
        changed_any = True


def _progress(account: Account, pipeline: Pipeline, execution: Execution, at: datetime) -> bool:
    if execution.waiting:
        if execution.stop:
            execution.conclude(STOPPED, at)
            return True
        return False
    stage = execution.stages[execution.stage_name]
    group = stage.runs[stage.group]
    if any(run.status == IN_PROGRESS for run in group):
        return False
    if execution.stop:
        stage.status = STOPPED
        execution.conclude(STOPPED, at)
        return True
    if any(run.status != SUCCEEDED for run in group):
        stage.status = FAILED
        execution.conclude(FAILED, at)
        return True
    if stage.group + 1 < len(stage.groups):
        stage.group += 1
        start_group(account, execution, stage, at)
        return True
    stage.status = SUCCEEDED
    execution.position += 1
    execution.updated = at
    if execution.position >= len(execution.stage_names):
        execution.conclude(SUCCEEDED, at)
    else:
        modes.arrive(pipeline, execution, at)
    return True


def start(
    account: Account,
    pipeline: Pipeline,
    now: datetime,
    *,
    trigger: dict[str, str],
    pushed: Revision | None = None,
    overrides: Mapping[str, str] | None = None,
    variables: list[Mapping[str, str]] | None = None,
) -> Execution:
    """A new execution of the pipeline as it is now, waiting at its first stage."""
    declaration = copy.deepcopy(pipeline.declaration)
    revisions = {
        action["name"]: sources.source_revision(
            account, pipeline, action, pushed, overrides or {}, now
        )
        for action in declaration["stages"][0]["actions"]
    }
    execution = Execution(
        seq=account.next_seq(),
        id=str(uuid.uuid4()),
        pipeline_name=pipeline.name,
        declaration=declaration,
        version=pipeline.version,
        started=now,
        updated=now,
        trigger=trigger,
        revisions=revisions,
        variables=_execution_variables(declaration, variables or []),
    )
    pipeline.executions.append(execution)
    modes.arrive(pipeline, execution, now)
    logger.info(
        "pipeline %s: execution %s started by %s",
        pipeline.name,
        execution.id,
        trigger["triggerType"],
    )
    return execution


def _execution_variables(
    declaration: Mapping[str, Any], given: list[Mapping[str, str]]
) -> dict[str, str]:
    declared = {item["name"]: item for item in declaration.get("variables") or ()}
    values = {
        name: item["defaultValue"] for name, item in declared.items() if "defaultValue" in item
    }
    for item in given:
        if item["name"] not in declared:
            raise ServiceError(
                "ValidationException",
                f"Variable {item['name']} is not declared in the pipeline",
            )
        values[item["name"]] = item["value"]
    missing = sorted(set(declared) - set(values))
    if missing:
        raise ServiceError(
            "ValidationException", f"Variables without a value: {', '.join(missing)}"
        )
    return values


def start_pipeline_execution(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["name"])
    request_token = params.get("clientRequestToken")
    if request_token and (pipeline.name, request_token) in account.request_tokens:
        return {"pipelineExecutionId": account.request_tokens[(pipeline.name, request_token)]}
    overrides = {}
    for item in params.get("sourceRevisions") or ():
        if item["revisionType"] != "COMMIT_ID":
            raise ServiceError(
                "ValidationException",
                f"This stand-in only overrides COMMIT_ID revisions, not {item['revisionType']}",
            )
        first_stage = pipeline.declaration["stages"][0]["name"]
        action_declaration(pipeline, first_stage, item["actionName"])
        overrides[item["actionName"]] = item["revisionValue"]
    execution = start(
        account,
        pipeline,
        now,
        trigger=sources.manual_trigger(account, caller),
        overrides=overrides,
        variables=list(params.get("variables") or ()),
    )
    if request_token:
        account.request_tokens[(pipeline.name, request_token)] = execution.id
    return {"pipelineExecutionId": execution.id}


def stop_pipeline_execution(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["pipelineName"])
    execution_id = params["pipelineExecutionId"]
    try:
        execution = find_execution(pipeline, execution_id)
    except ServiceError:
        raise ServiceError(
            "PipelineExecutionNotStoppableException",
            f"Pipeline execution {execution_id} was not found in pipeline {pipeline.name}",
        ) from None
    abandon = bool(params.get("abandon", False))
    if execution.status == STOPPING:
        if execution.stop == "abandon" or not abandon:
            raise ServiceError(
                "DuplicatedStopRequestException",
                f"Pipeline execution {execution.id} is already stopping",
            )
    elif execution.status != IN_PROGRESS:
        raise ServiceError(
            "PipelineExecutionNotStoppableException",
            f"Pipeline execution {execution.id} is {execution.status}, not in progress",
        )
    execution.stop = "abandon" if abandon else "wait"
    execution.stop_reason = params.get("reason") or execution.stop_reason
    execution.status = STOPPING
    execution.updated = now
    stage = execution.current_stage()
    if stage is not None:
        stage.status = STOPPING
    if abandon:
        account.abandon_runs(execution, now)
    logger.info("pipeline %s: execution %s stopping", pipeline.name, execution.id)
    return {"pipelineExecutionId": execution.id}
