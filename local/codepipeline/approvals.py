"""Manual approvals: the token and the notification an approval opens, its expiry, and
PutApprovalResult, which answers it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from local.codepipeline.links import console_link
from local.codepipeline.records import (
    FAILED,
    IN_PROGRESS,
    SUCCEEDED,
    Account,
    ActionRun,
    Params,
    Response,
    ServiceError,
    action_declaration,
    clipped_summary,
)

logger = logging.getLogger(__name__)

DEFAULT_APPROVAL_MINUTES = 7 * 24 * 60
APPROVAL_EXPIRED = "Approval request expired"


def open_approval(account: Account, run: ActionRun, at: datetime) -> None:
    """Give the run a fresh token, due to expire, and queue its notification if it has a topic."""
    minutes = run.action.get("timeoutInMinutes") or DEFAULT_APPROVAL_MINUTES
    token = account.token_factory()
    expires = at + timedelta(minutes=minutes)
    run.token, run.due = token, expires
    account.approvals[token] = run
    topic = run.resolved_configuration.get("NotificationArn")
    if topic:
        account.outbox.append((topic, approval_message(run, token, expires, account.region)))


def approval_message(run: ActionRun, token: str, expires: datetime, region: str) -> str:
    """The notification exactly as CodePipeline publishes it: compact JSON, this key order."""
    pipeline_name = run.execution.pipeline_name
    console = console_link(pipeline_name, region)
    message = {
        "region": region,
        "consoleLink": console,
        "approval": {
            "pipelineName": pipeline_name,
            "stageName": run.stage_name,
            "actionName": run.name,
            "token": token,
            "expires": expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"),
            "externalEntityLink": run.resolved_configuration.get("ExternalEntityLink"),
            "approvalReviewLink": f"{console}#/{run.stage_name}/{run.name}/approve/{token}",
            "customData": run.resolved_configuration.get("CustomData"),
        },
    }
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def expire(run: ActionRun) -> None:
    """An approval nobody answered in time fails, as CodePipeline fails it."""
    run.status = FAILED
    run.summary = APPROVAL_EXPIRED


def put_approval_result(
    account: Account, params: Params, now: datetime, caller: str | None
) -> Response:
    pipeline = account.pipeline(params["pipelineName"])
    stage_name, action_name = params["stageName"], params["actionName"]
    action_declaration(pipeline, stage_name, action_name)
    token = params["token"]
    run = account.approvals.get(token)
    if (
        run is None
        or run.execution.pipeline_name != pipeline.name
        or run.stage_name != stage_name
        or run.name != action_name
    ):
        raise ServiceError(
            "InvalidApprovalTokenException",
            f"The token {token} is not the token of an open approval request of "
            f"{pipeline.name}/{stage_name}/{action_name}",
        )
    if run.status != IN_PROGRESS:
        if run.decided:
            outcome = "approved" if run.status == SUCCEEDED else "rejected"
            raise ServiceError(
                "ApprovalAlreadyCompletedException",
                f"The approval request {token} has already been {outcome}",
            )
        raise ServiceError(
            "InvalidApprovalTokenException",
            f"The approval request {token} is no longer open ({run.status})",
        )
    result = params["result"]
    run.status = SUCCEEDED if result["status"] == "Approved" else FAILED
    run.summary = clipped_summary(result.get("summary"))
    run.updated_by = caller or account.approver_arn
    run.updated = now
    run.decided = True
    account.running.pop(run.seq, None)
    logger.info(
        "pipeline %s: %s/%s %s by %s",
        pipeline.name,
        stage_name,
        action_name,
        result["status"],
        run.updated_by,
    )
    return {"approvedAt": now}
