"""RetryStageExecution: the latest execution of a failed stage runs it again, either its failed
actions only (FAILED_ACTIONS) or the whole stage from its first runOrder (ALL_ACTIONS)."""

from __future__ import annotations

import logging
from datetime import datetime

from local.codepipeline.actions import start_actions, start_group
from local.codepipeline.modes import occupant
from local.codepipeline.records import (
    FAILED,
    IN_PROGRESS,
    PARALLEL_MODE,
    SUCCEEDED,
    Account,
    Params,
    Response,
    ServiceError,
    find_execution,
    stage_declaration,
)

logger = logging.getLogger(__name__)

FAILED_ACTIONS = "FAILED_ACTIONS"


def retry_stage_execution(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["pipelineName"])
    stage_name = stage_declaration(pipeline, params["stageName"])["name"]
    try:
        execution = find_execution(pipeline, params["pipelineExecutionId"])
    except ServiceError as error:
        # RetryStageExecution's errors do not include PipelineExecutionNotFoundException.
        raise ServiceError("StageNotRetryableException", error.message) from None
    stage = execution.stages.get(stage_name)
    if stage is None or stage.status != FAILED or execution.status != FAILED:
        raise ServiceError(
            "StageNotRetryableException",
            f"Stage {stage_name} of execution {execution.id} has not failed",
        )
    # Busy (another run holds the stage) is a conflict; outdated (one has run it since) not.
    if execution.mode != PARALLEL_MODE and occupant(pipeline, stage_name) is not None:
        raise ServiceError(
            "ConflictException",
            f"Another execution holds stage {stage_name}; try again once it has left",
            status=409,
        )
    latest = pipeline.latest_stage_run(stage_name)
    if latest is not None and latest[1] is not execution:
        raise ServiceError(
            "NotLatestPipelineExecutionException",
            f"Stage {stage_name} has run in a later execution than {execution.id}",
        )
    if execution.version != pipeline.version:
        raise ServiceError(
            "StageNotRetryableException",
            f"The pipeline's structure changed after execution {execution.id} failed",
        )
    failed = [run for run in stage.runs[stage.group] if run.status != SUCCEEDED]
    if params["retryMode"] == FAILED_ACTIONS:
        kept = [run for run in stage.runs[stage.group] if run.status == SUCCEEDED]
        stage.retried.extend(failed)
        again = start_actions(account, execution, stage, [run.action for run in failed], now)
        stage.runs[stage.group] = kept + again
    else:
        stage.retried.extend(run for group in stage.runs for run in group)
        stage.runs = []
        stage.group = 0
        start_group(account, execution, stage, now)
    stage.status = IN_PROGRESS
    execution.status = IN_PROGRESS
    execution.status_summary = None
    execution.updated = now
    logger.info(
        "pipeline %s: stage %s of execution %s retried (%s) by %s",
        pipeline.name,
        stage_name,
        execution.id,
        params["retryMode"],
        caller or account.starter_arn,
    )
    return {"pipelineExecutionId": execution.id}
