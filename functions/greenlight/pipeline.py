"""What CodePipeline says about an approval: the run behind it, and whether it still waits."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from greenlight.approval import ApprovalRequest, safe_url
from greenlight.identity import PUSH_TRIGGERS, RunOrigin, commit_author
from greenlight.links import ApprovalContext, ApprovalRef, Decision, Revision, token_digest
from greenlight.text import one_line

log = logging.getLogger(__name__)

MAX_SUMMARY = 512
# ListActionExecutions pages to read before giving up on finding a token (100 each).
MAX_HISTORY_PAGES = 5
GONE_ERRORS = {"PipelineNotFoundException", "StageNotFoundException", "ActionNotFoundException"}


@dataclass(frozen=True)
class PendingApproval:
    """An approval action that still waits on the token a link was made for."""

    token: str
    execution_id: str | None = None
    # Other actions of the same stage and run still in progress (another approval, say): the
    # stage does not move on when this one is decided.
    others_in_progress: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApprovalOutcome:
    """Why an approval no longer waits, as far as CodePipeline tells."""

    reason: str  # superseded | approved | rejected | expired | finished | gone | unknown
    status: str | None = None
    summary: str | None = None
    updated_by: str | None = None
    changed_at: datetime | None = None


class NotPending(Exception):
    def __init__(self, outcome: ApprovalOutcome) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


@dataclass(frozen=True)
class LiveApproval:
    """CodePipeline waits on an approval request's very token, in this run."""

    execution_id: str | None


class NotLive(Exception):
    """CodePipeline does not wait on this token: nothing is to be mailed about it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _action_state(state: dict[str, Any], stage: str, action: str) -> dict[str, Any] | None:
    for stage_state in state.get("stageStates", []):
        if stage_state.get("stageName") == stage:
            for action_state in stage_state.get("actionStates", []):
                if action_state.get("actionName") == action:
                    return dict(action_state)
    return None


def _others_in_progress(state: dict[str, Any], stage: str, action: str) -> tuple[str, ...]:
    for stage_state in state.get("stageStates", []):
        if stage_state.get("stageName") == stage:
            return tuple(str(a.get("actionName")) for a in stage_state.get("actionStates", [])
                         if a.get("actionName") != action
                         and (a.get("latestExecution") or {}).get("status") == "InProgress")
    return ()


def _stage_execution_id(state: dict[str, Any], stage: str) -> str | None:
    for stage_state in state.get("stageStates", []):
        if stage_state.get("stageName") == stage:
            return stage_state.get("latestExecution", {}).get("pipelineExecutionId")
    return None


def _action_history(
    codepipeline: Any, pipeline: str, stage: str, action: str, execution_id: str | None = None
) -> Iterator[dict[str, Any]]:
    """This action's executions, newest first, as ListActionExecutions gives them."""
    request: dict[str, Any] = {"pipelineName": pipeline, "maxResults": 100}
    if execution_id:
        request["filter"] = {"pipelineExecutionId": execution_id}
    for _ in range(MAX_HISTORY_PAGES):
        page = codepipeline.list_action_executions(**request)
        for detail in page.get("actionExecutionDetails", []):
            if detail.get("stageName") == stage and detail.get("actionName") == action:
                yield detail
        if not page.get("nextToken"):
            return
        request["nextToken"] = page["nextToken"]


def _external_id(detail: dict[str, Any]) -> str | None:
    result = detail.get("output", {}).get("executionResult", {})
    value = result.get("externalExecutionId")
    return value if isinstance(value, str) else None


def _outcome_of(status: str | None, summary: str | None, updated_by: str | None,
                changed_at: datetime | None, error: str | None = None) -> ApprovalOutcome:
    text = " ".join(filter(None, [summary, error])) or None
    if status == "Succeeded":
        reason = "approved"
    elif status == "Failed":
        lowered = (text or "").lower()
        reason = "expired" if "expire" in lowered or "timed out" in lowered else "rejected"
    elif status == "Abandoned":
        reason = "superseded"
    elif status in ("Stopped", "Stopping"):
        reason = "finished"
    else:
        reason = "unknown"
    return ApprovalOutcome(reason, status, text, updated_by, changed_at)


def find_pending(codepipeline: Any, claims: ApprovalRef,
                 execution_id: str | None = None) -> PendingApproval:
    """The approval a link was made for, if it still waits; else raise NotPending.

    One GetPipelineState call decides the common case. ListActionExecutions is read only
    when the state carries no token (PARALLEL execution mode) or a different one, and only
    for the run the request belongs to when `execution_id` is known, so any number of newer
    runs cannot push the approval out of the pages read. Reason `unknown` means CodePipeline
    did not say: callers must neither decide nor close on it.
    """
    try:
        state = codepipeline.get_pipeline_state(name=claims.pipeline)
    except ClientError as error:
        if _error_code(error) in GONE_ERRORS:
            raise NotPending(ApprovalOutcome("gone")) from None
        raise
    action_state = _action_state(state, claims.stage, claims.action)
    if action_state is None:
        raise NotPending(ApprovalOutcome("gone"))
    latest = action_state.get("latestExecution") or {}
    token = latest.get("token")
    if isinstance(token, str) and claims.matches_token(token):
        if latest.get("status") == "InProgress":
            return PendingApproval(token, _stage_execution_id(state, claims.stage),
                                   _others_in_progress(state, claims.stage, claims.action))
        raise NotPending(_outcome_of(latest.get("status"), latest.get("summary"),
                                     latest.get("lastUpdatedBy"), latest.get("lastStatusChange")))

    for detail in _run_history(codepipeline, claims, execution_id):
        external_id = _external_id(detail)
        if external_id is None or not claims.matches_token(external_id):
            continue
        if detail.get("status") == "InProgress":
            return PendingApproval(external_id, detail.get("pipelineExecutionId"))
        result = detail.get("output", {}).get("executionResult", {})
        raise NotPending(_outcome_of(
            detail.get("status"), result.get("externalExecutionSummary"),
            detail.get("updatedBy"), detail.get("lastUpdateTime"),
            (result.get("errorDetails") or {}).get("message"),
        ))

    if latest.get("status") == "InProgress" and token:
        raise NotPending(ApprovalOutcome("superseded", "InProgress"))
    raise NotPending(_outcome_of(latest.get("status"), latest.get("summary"),
                                 latest.get("lastUpdatedBy"), latest.get("lastStatusChange")))


def _run_history(codepipeline: Any, ref: ApprovalRef,
                 execution_id: str | None) -> Iterator[dict[str, Any]]:
    try:
        yield from _action_history(codepipeline, ref.pipeline, ref.stage, ref.action,
                                   execution_id)
    except ClientError as error:
        if _error_code(error) in GONE_ERRORS | {"PipelineExecutionNotFoundException"}:
            raise NotPending(ApprovalOutcome("gone")) from None
        raise


def confirm_live(codepipeline: Any, request: ApprovalRequest) -> LiveApproval:
    """Whether CodePipeline waits on this request's token now; raise NotLive if it does not.

    Anyone allowed to publish to the topic can send a well-formed message: only a token that
    GetPipelineState shows InProgress for this action (or, in PARALLEL mode, that is the
    external id of an InProgress execution of it) is mailed about. A CodePipeline error other
    than "not found" raises: the check could not be made, so the message is retried.
    """
    try:
        state = codepipeline.get_pipeline_state(name=request.pipeline)
    except ClientError as error:
        if _error_code(error) in GONE_ERRORS:
            raise NotLive("no such pipeline") from None
        raise
    action_state = _action_state(state, request.stage, request.action)
    if action_state is None:
        raise NotLive("no such stage or action")
    latest = action_state.get("latestExecution") or {}
    token = latest.get("token")
    if isinstance(token, str) and hmac.compare_digest(token.encode(), request.token.encode()):
        if latest.get("status") == "InProgress":
            return LiveApproval(_stage_execution_id(state, request.stage))
        raise NotLive("approval is no longer in progress")
    for detail in _action_history(codepipeline, request.pipeline, request.stage,
                                  request.action):
        external_id = _external_id(detail)
        if (detail.get("status") == "InProgress" and external_id is not None
                and hmac.compare_digest(external_id.encode(), request.token.encode())):
            return LiveApproval(detail.get("pipelineExecutionId"))
    raise NotLive("token is not one CodePipeline waits on")


def decision_summary(decision: Decision, approvers: list[str], comment: str = "") -> str:
    """`Approved by alice@example.com, bob@example.com via Greenlight: <comment>`, at most
    512 characters: every approver is named first, then the comment is cut to fit."""
    names = list(approvers)
    head = f"{decision.past_tense} by {', '.join(names)} via Greenlight"
    while len(head) > MAX_SUMMARY - 20 and len(names) > 1:
        names.pop()
        head = (f"{decision.past_tense} by {', '.join(names)} and "
                f"{len(approvers) - len(names)} more via Greenlight")
    flat = one_line(comment)
    text = f"{head}: {flat}" if flat else head
    if len(text) <= MAX_SUMMARY:
        return text
    return text[: MAX_SUMMARY - 1].rstrip() + "…"


def submit_decision(codepipeline: Any, ref: ApprovalRef, decision: Decision,
                    pending: PendingApproval, summary: str) -> None:
    """PutApprovalResult with the token read back from CodePipeline; races become NotPending."""
    try:
        codepipeline.put_approval_result(
            pipelineName=ref.pipeline,
            stageName=ref.stage,
            actionName=ref.action,
            result={"summary": summary, "status": decision.status},
            token=pending.token,
        )
    except ClientError as error:
        code = _error_code(error)
        if code == "ApprovalAlreadyCompletedException":
            raise NotPending(ApprovalOutcome("finished")) from None
        if code == "InvalidApprovalTokenException":
            raise NotPending(ApprovalOutcome("superseded")) from None
        if code in GONE_ERRORS:
            raise NotPending(ApprovalOutcome("gone")) from None
        raise


# --- what the notify side looks up about the run behind an approval request ---

def _find_execution_id(codepipeline: Any, request: ApprovalRequest) -> str | None:
    state = codepipeline.get_pipeline_state(name=request.pipeline)
    latest = (_action_state(state, request.stage, request.action) or {}).get("latestExecution", {})
    if latest.get("token") == request.token:
        return _stage_execution_id(state, request.stage)
    digest = token_digest(request.token)
    for detail in _action_history(codepipeline, request.pipeline, request.stage, request.action):
        external_id = _external_id(detail)
        if external_id is not None and token_digest(external_id) == digest:
            return detail.get("pipelineExecutionId")
    return None


def _commit_message(summary: Any) -> str | None:
    """CodeStar connection sources put a JSON document in revisionSummary."""
    if not isinstance(summary, str) or not summary.strip():
        return None
    text = summary.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict):
            message = document.get("CommitMessage")
            text = message.strip() if isinstance(message, str) else ""
    first_line = text.splitlines()[0] if text else ""
    return one_line(first_line)[:200] or None


def _run_variables(codepipeline: Any, pipeline: str,
                   execution_id: str) -> tuple[dict[str, str], str | None]:
    """The source action's output variables, and the commit author if an action of the
    run reports one (greenlight.identity.AUTHOR_VARIABLES)."""
    page = codepipeline.list_action_executions(
        pipelineName=pipeline, filter={"pipelineExecutionId": execution_id}, maxResults=100
    )
    source: dict[str, str] | None = None
    author = None
    for detail in page.get("actionExecutionDetails", []):
        category = detail.get("input", {}).get("actionTypeId", {}).get("category")
        variables = detail.get("output", {}).get("outputVariables")
        if not isinstance(variables, dict):
            continue
        plain = {str(k): str(v) for k, v in variables.items()}
        if category == "Source" and source is None:
            source = plain
        author = author or commit_author(plain)
    return source or {}, author


def _trigger_text(trigger: dict[str, Any], variables: dict[str, str],
                  origin: RunOrigin) -> str | None:
    kind = trigger.get("triggerType")
    detail = trigger.get("triggerDetail")
    if not kind:
        return None
    branch = variables.get("BranchName")
    if kind in PUSH_TRIGGERS and branch:
        by = f" by {origin.author}" if origin.author else ""
        return f"{kind}: push to {branch}{by}"
    if kind == "StartPipelineExecution" and detail:
        return f"Started manually by {detail}"
    return f"{kind}: {detail}" if detail else str(kind)


def describe_run(codepipeline: Any, request: ApprovalRequest,
                 execution_id: str | None = None) -> ApprovalContext:
    """The context shown with an approval; what cannot be looked up is left out."""
    return look_up_run(codepipeline, request, execution_id)[0]


def _origin(trigger: dict[str, Any], author: str | None) -> RunOrigin:
    kind = trigger.get("triggerType")
    detail = trigger.get("triggerDetail")
    return RunOrigin(
        trigger_type=str(kind) if kind else None,
        principal=str(detail)[:1024] if kind == "StartPipelineExecution" and detail else None,
        author=one_line(author)[:200] or None if author else None,
    )


def look_up_run(codepipeline: Any, request: ApprovalRequest,
                execution_id: str | None = None) -> tuple[ApprovalContext, RunOrigin]:
    """The context shown with an approval, and who caused the run as CodePipeline records
    it; what cannot be looked up is left out (a failed lookup: an unknown origin).
    `execution_id`, when confirm_live found it, saves looking the run up again."""
    context = ApprovalContext(
        region=request.region,
        custom_data=request.custom_data,
        external_entity_link=request.external_entity_link,
    )
    try:
        execution_id = execution_id or _find_execution_id(codepipeline, request)
        if execution_id is None:
            return context, RunOrigin()
        execution = codepipeline.get_pipeline_execution(
            pipelineName=request.pipeline, pipelineExecutionId=execution_id
        )["pipelineExecution"]
        try:
            variables, author = _run_variables(codepipeline, request.pipeline, execution_id)
        except (ClientError, BotoCoreError):
            variables, author = {}, None
        revisions = execution.get("artifactRevisions") or []
        revision = None
        if revisions and revisions[0].get("revisionId"):
            first = revisions[0]
            revision = Revision(
                revision_id=str(first["revisionId"])[:100],
                message=_commit_message(first.get("revisionSummary")),
                url=safe_url(first.get("revisionUrl")),
                branch=one_line(variables.get("BranchName")) or None,
                repository=variables.get("FullRepositoryName"),
            )
        trigger = execution.get("trigger") or {}
        origin = _origin(trigger, author)
        return ApprovalContext(
            region=request.region,
            execution_id=execution_id,
            custom_data=request.custom_data,
            external_entity_link=request.external_entity_link,
            revision=revision,
            trigger=_trigger_text(trigger, variables, origin),
            requester=origin.authenticated,
        ), origin
    except (ClientError, BotoCoreError, KeyError, TypeError) as error:
        log.warning("pipeline run lookup failed", extra={"error_type": type(error).__name__})
        return context, RunOrigin()
