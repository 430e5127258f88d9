"""Stage transitions: DisableStageTransition and EnableStageTransition, and the hold a disabled
transition puts on executions. Operators disable a stage's inbound transition to keep a pipeline
at an approval; a run that reaches it waits there until it is enabled again."""

from __future__ import annotations

import logging
from datetime import datetime

from local.codepipeline.records import (
    Account,
    Execution,
    Params,
    Pipeline,
    Response,
    Transition,
    stage_declaration,
)

logger = logging.getLogger(__name__)

INBOUND = "Inbound"
OUTBOUND = "Outbound"


def disable_stage_transition(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["pipelineName"])
    stage_name = stage_declaration(pipeline, params["stageName"])["name"]
    pipeline.transitions[(stage_name, params["transitionType"])] = Transition(
        enabled=False,
        last_changed_by=caller or account.starter_arn,
        last_changed_at=now,
        disabled_reason=params["reason"],
    )
    logger.info(
        "pipeline %s: %s transition of %s disabled",
        pipeline.name,
        params["transitionType"].lower(),
        stage_name,
    )
    return {}


def enable_stage_transition(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["pipelineName"])
    stage_name = stage_declaration(pipeline, params["stageName"])["name"]
    pipeline.transitions[(stage_name, params["transitionType"])] = Transition(
        enabled=True, last_changed_by=caller or account.starter_arn, last_changed_at=now
    )
    logger.info(
        "pipeline %s: %s transition of %s enabled",
        pipeline.name,
        params["transitionType"].lower(),
        stage_name,
    )
    return {}


def is_held(pipeline: Pipeline, execution: Execution) -> bool:
    """Whether the execution waiting at its next stage may not go in: that stage's inbound
    transition is disabled, or the outbound transition of the stage it has just left."""
    names = execution.stage_names
    stage_name = names[execution.position]
    if not _enabled(pipeline, stage_name, INBOUND):
        return True
    return execution.position > 0 and not _enabled(
        pipeline, names[execution.position - 1], OUTBOUND
    )


def inbound_state(pipeline: Pipeline, stage_name: str) -> Response:
    """The inboundTransitionState of GetPipelineState."""
    transition = pipeline.transitions.get((stage_name, INBOUND))
    if transition is None:
        return {"enabled": True}
    state: Response = {"enabled": transition.enabled}
    if transition.last_changed_by:
        state["lastChangedBy"] = transition.last_changed_by
    if transition.last_changed_at is not None:
        state["lastChangedAt"] = transition.last_changed_at
    if not transition.enabled and transition.disabled_reason:
        state["disabledReason"] = transition.disabled_reason
    return state


def _enabled(pipeline: Pipeline, stage_name: str, kind: str) -> bool:
    transition = pipeline.transitions.get((stage_name, kind))
    return transition is None or transition.enabled
