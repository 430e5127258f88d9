"""Pipeline definitions: the structural checks AWS makes beyond the request's shape, the defaults
it fills in, versions, and CreatePipeline, UpdatePipeline and DeletePipeline."""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from local.codepipeline import executions, triggers
from local.codepipeline.records import (
    CANCELLED,
    PARALLEL_MODE,
    QUEUED_MODE,
    SUPERSEDED_MODE,
    Account,
    Params,
    Pipeline,
    Response,
    ServiceError,
    is_connection_source,
    is_manual_approval,
)

logger = logging.getLogger(__name__)

APPROVAL_CONFIGURATION = frozenset({"NotificationArn", "CustomData", "ExternalEntityLink"})


def checked_declaration(declaration: Mapping[str, Any], version: int) -> dict[str, Any]:
    """Structural checks AWS makes beyond the shape, and the defaults it fills in."""
    result = copy.deepcopy(dict(declaration))
    stages = result["stages"]
    v2_features = bool(result.get("triggers")) or result.get("executionMode") in (
        QUEUED_MODE,
        PARALLEL_MODE,
    )
    if result.get("pipelineType") == "V1" and v2_features:
        raise ServiceError(
            "ValidationException",
            "Triggers and the QUEUED and PARALLEL execution modes need pipelineType V2",
        )
    if ("artifactStore" in result) == ("artifactStores" in result):
        raise ServiceError(
            "InvalidStructureException",
            "A pipeline needs exactly one of artifactStore and artifactStores",
        )
    if len(stages) < 2:
        raise ServiceError("InvalidStructureException", "A pipeline needs at least two stages")
    seen_stages: set[str] = set()
    produced: set[str] = set()
    for index, stage in enumerate(stages):
        if stage["name"] in seen_stages:
            raise ServiceError(
                "InvalidStageDeclarationException", f"Duplicate stage name {stage['name']}"
            )
        seen_stages.add(stage["name"])
        if not stage["actions"]:
            raise ServiceError(
                "InvalidStageDeclarationException", f"Stage {stage['name']} has no actions"
            )
        produced |= _checked_stage(stage, index, produced)
    _check_triggers(result)
    result["version"] = version
    result.setdefault("executionMode", SUPERSEDED_MODE)
    result.setdefault("pipelineType", "V2" if v2_features else "V1")
    for stage in stages:
        for action in stage["actions"]:
            action.setdefault("runOrder", 1)
            action.setdefault("outputArtifacts", [])
            action.setdefault("inputArtifacts", [])
    return result


def _checked_stage(stage: Mapping[str, Any], index: int, produced_before: set[str]) -> set[str]:
    names: set[str] = set()
    produced: dict[str, int] = {}
    for action in stage["actions"]:
        name = action["name"]
        if name in names:
            raise ServiceError(
                "InvalidActionDeclarationException",
                f"Duplicate action name {name} in stage {stage['name']}",
            )
        names.add(name)
        is_source = action["actionTypeId"]["category"] == "Source"
        if is_source != (index == 0):
            raise ServiceError(
                "InvalidStageDeclarationException",
                "Source actions belong in the first stage, and only there "
                f"(action {name} in stage {stage['name']})",
            )
        if "timeoutInMinutes" in action and not is_manual_approval(action):
            raise ServiceError(
                "InvalidActionDeclarationException",
                f"timeoutInMinutes is only allowed for manual approval actions ({name})",
            )
        if is_manual_approval(action):
            unknown = set(action.get("configuration") or {}) - APPROVAL_CONFIGURATION
            if unknown:
                raise ServiceError(
                    "InvalidActionDeclarationException",
                    f"Manual approval action {name} has unknown configuration keys: "
                    + ", ".join(sorted(unknown)),
                )
        for artifact in action.get("outputArtifacts") or ():
            if artifact["name"] in produced_before or artifact["name"] in produced:
                raise ServiceError(
                    "InvalidStructureException",
                    f"Output artifact {artifact['name']} is declared more than once",
                )
            produced[artifact["name"]] = action.get("runOrder", 1)
    for action in stage["actions"]:
        order = action.get("runOrder", 1)
        for artifact in action.get("inputArtifacts") or ():
            artifact_name = artifact["name"]
            made_before = produced.get(artifact_name, order) < order
            if artifact_name not in produced_before and not made_before:
                raise ServiceError(
                    "InvalidStructureException",
                    f"Input artifact {artifact_name} of action {action['name']} is not "
                    "the output of an action that runs before it",
                )
    return set(produced)


def _check_triggers(declaration: Mapping[str, Any]) -> None:
    sources = {
        action["name"]
        for action in declaration["stages"][0]["actions"]
        if is_connection_source(action)
    }
    used: set[str] = set()
    for trigger in declaration.get("triggers") or ():
        git = trigger["gitConfiguration"]
        name = git["sourceActionName"]
        if name not in sources:
            raise ServiceError(
                "ValidationException",
                f"Trigger source action {name} is not a CodeStarSourceConnection source action",
            )
        if name in used:
            raise ServiceError(
                "ValidationException", f"Source action {name} has more than one trigger"
            )
        used.add(name)
        problems = triggers.pattern_problems(git)
        if problems:
            raise ServiceError("ValidationException", "; ".join(problems))


def store(
    account: Account, declaration: Mapping[str, Any], now: datetime, *, create: bool
) -> Pipeline:
    """Create the pipeline, or (unless `create`) make the declaration its next version."""
    name = declaration["name"]
    existing = account.pipelines.get(name)
    if existing is not None and create:
        raise ServiceError("PipelineNameInUseException", f"Pipeline name {name} is already in use")
    if existing is None:
        checked = checked_declaration(declaration, 1)
        pipeline = Pipeline(name, checked, {1: checked}, now, now)
        account.pipelines[name] = pipeline
        logger.info("pipeline %s created", name)
        return pipeline
    checked = checked_declaration(declaration, existing.version + 1)
    for execution in existing.executions:
        # An edit cancels what is under way, except PARALLEL runs, which keep their version.
        if execution.active and execution.mode != PARALLEL_MODE:
            account.abandon_runs(execution, now)
            stage = execution.current_stage()
            if stage is not None:
                stage.status = CANCELLED
            execution.conclude(
                CANCELLED,
                now,
                "The pipeline's definition was updated before the execution completed",
            )
    existing.declaration = checked
    existing.versions[checked["version"]] = checked
    existing.updated = now
    logger.info("pipeline %s updated to version %d", name, checked["version"])
    return existing


def create_pipeline(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = store(account, params["pipeline"], now, create=True)
    pipeline.tags = [dict(tag) for tag in params.get("tags") or ()]
    # Like AWS, a new pipeline runs once straight away, if its variables allow it.
    try:
        executions.start(
            account,
            pipeline,
            now,
            trigger={
                "triggerType": "CreatePipeline",
                "triggerDetail": caller or account.starter_arn,
            },
        )
    except ServiceError as error:
        logger.warning("pipeline %s was created but not started: %s", pipeline.name, error)
    response: Response = {"pipeline": copy.deepcopy(pipeline.declaration)}
    if pipeline.tags:
        response["tags"] = copy.deepcopy(pipeline.tags)
    return response


def update_pipeline(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    # Creating a missing pipeline here (instead of failing) lets pipeline.json files seed
    # the stand-in with `update-pipeline`; it starts no execution.
    pipeline = store(account, params["pipeline"], now, create=False)
    return {"pipeline": copy.deepcopy(pipeline.declaration)}


def delete_pipeline(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipelines.pop(params["name"], None)
    if pipeline is not None:
        for execution in pipeline.executions:
            account.abandon_runs(execution, now)
        account.approvals = {
            token: run
            for token, run in account.approvals.items()
            if run.execution.pipeline_name != pipeline.name
        }
    return {}
