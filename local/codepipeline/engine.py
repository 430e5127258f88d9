"""A deterministic model of AWS CodePipeline, with no HTTP: the facade the server and the
command line talk to. Time only moves through the injected clock; `tick()` carries out whatever
is due at `clock()`. The behaviour lives in the modules each operation is taken from below."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from local.codepipeline import (
    approvals,
    definitions,
    executions,
    history,
    queries,
    retries,
    shapes,
    sources,
    transitions,
    triggers,
)
from local.codepipeline.records import (
    Account,
    Clock,
    Params,
    Publish,
    Response,
    Revision,
    ServiceError,
    action_declaration,
    made_up_sha,
    new_token,
    utc_now,
)

__all__ = ["Engine", "ServiceError", "utc_now"]

logger = logging.getLogger(__name__)

Operation = Callable[[Account, Params, datetime, str | None], Response]

OPERATIONS: dict[str, Operation] = {
    "CreatePipeline": definitions.create_pipeline,
    "UpdatePipeline": definitions.update_pipeline,
    "DeletePipeline": definitions.delete_pipeline,
    "GetPipeline": queries.get_pipeline,
    "ListPipelines": queries.list_pipelines,
    "GetPipelineState": queries.get_pipeline_state,
    "GetPipelineExecution": history.get_pipeline_execution,
    "ListPipelineExecutions": history.list_pipeline_executions,
    "ListActionExecutions": history.list_action_executions,
    "StartPipelineExecution": executions.start_pipeline_execution,
    "StopPipelineExecution": executions.stop_pipeline_execution,
    "PutApprovalResult": approvals.put_approval_result,
    "DisableStageTransition": transitions.disable_stage_transition,
    "EnableStageTransition": transitions.enable_stage_transition,
    "RetryStageExecution": retries.retry_stage_execution,
}


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class Engine:
    """CodePipeline's behaviour, reached through `call(operation, params)` with botocore shapes.

    `publish(topic_arn, message)` receives the approval notifications; it is called after the
    engine's lock is released, so it may call back into the engine (even over HTTP).
    `token_factory` makes approval tokens (uuid4 strings by default).
    `supersede_pending_approvals=True` lets a newer SUPERSEDED execution replace an older one
    that only waits for approval (a departure from AWS, see modes.py).
    """

    def __init__(
        self,
        *,
        publish: Publish,
        clock: Clock = utc_now,
        action_seconds: float = 0.5,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        token_factory: Callable[[], str] = new_token,
        supersede_pending_approvals: bool = False,
    ) -> None:
        self.account = Account(
            region=region,
            account_id=account_id,
            action_seconds=action_seconds,
            token_factory=token_factory,
            supersede_pending_approvals=supersede_pending_approvals,
        )
        self._publish = publish
        self._clock = clock
        self._lock = threading.RLock()
        self._delivery = threading.Lock()
        self._delivered = threading.Condition()

    @property
    def region(self) -> str:
        return self.account.region

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def starter_arn(self) -> str:
        return self.account.starter_arn

    @property
    def approver_arn(self) -> str:
        return self.account.approver_arn

    @property
    def supersede_pending_approvals(self) -> bool:
        return self.account.supersede_pending_approvals

    @supersede_pending_approvals.setter
    def supersede_pending_approvals(self, value: bool) -> None:
        with self._lock:
            self.account.supersede_pending_approvals = value

    @property
    def operations(self) -> frozenset[str]:
        """The CodePipeline operations this stand-in carries out."""
        return frozenset(OPERATIONS)

    def call(self, operation: str, params: Params, *, caller: str | None = None) -> Response:
        """Carry out one CodePipeline operation; raises ServiceError as AWS would answer."""
        handler = OPERATIONS.get(operation)
        if handler is None:
            known = operation in shapes.operation_names()
            reason = "is not supported here" if known else "is not a CodePipeline operation"
            raise ServiceError("UnknownOperationException", f"Operation {operation} {reason}")
        if not isinstance(params, Mapping):
            raise ServiceError("SerializationException", "The request body must be a JSON object")
        problems = shapes.input_problems(operation, params)
        if problems:
            raise ServiceError("ValidationException", shapes.describe(problems))
        # A JSON null is read as an absent member, as the validation above reads it.
        params = _without_nulls(params)
        with self._lock:
            now = self._clock()
            executions.advance(self.account, now)
            response = handler(self.account, params, now, caller)
            executions.settle(self.account, now)
        self._deliver()
        return response

    def update_pipeline(self, declaration: Mapping[str, Any]) -> dict[str, Any]:
        """Create or update a pipeline from the "pipeline" object of a pipeline.json.

        Unlike CreatePipeline, creating through here starts no execution.
        """
        return dict(self.call("UpdatePipeline", {"pipeline": declaration})["pipeline"])

    def start_execution(
        self,
        name: str,
        *,
        trigger: Mapping[str, str] | None = None,
        source_revision: Mapping[str, Any] | None = None,
        variables: Iterable[Mapping[str, str]] = (),
    ) -> str:
        """Start an execution; `source_revision` may carry commitId, branch, tag, message, author
        and repository of the commit the connection source actions hand over."""
        account = self.account
        with self._lock:
            now = self._clock()
            executions.advance(account, now)
            pipeline = account.pipeline(name)
            revision = None
            if source_revision is not None:
                revision = sources.revision_from(account, source_revision, now)
            execution = executions.start(
                account,
                pipeline,
                now,
                trigger=dict(trigger) if trigger else sources.manual_trigger(account, None),
                pushed=revision,
                variables=list(variables),
            )
            executions.settle(account, now)
        self._deliver()
        return execution.id

    def push(
        self,
        *,
        branch: str | None = None,
        tag: str | None = None,
        paths: Iterable[str] = (),
        commit_id: str | None = None,
        message: str = "",
        author: str = "Jane Doe",
        repository: str | None = None,
    ) -> list[str]:
        """A git push: starts every pipeline whose trigger (or default branch detection) matches.

        Returns the ids of the executions it started, in pipeline name order.
        """
        if (branch is None) == (tag is None):
            raise ServiceError("ValidationException", "A push names exactly one branch or one tag")
        git_push = triggers.GitPush(branch=branch, tag=tag, paths=tuple(paths))
        account = self.account
        started: list[str] = []
        with self._lock:
            now = self._clock()
            executions.advance(account, now)
            commit = commit_id or made_up_sha("push", account.next_seq(), repository, branch, tag)
            for pipeline in sorted(account.pipelines.values(), key=lambda item: item.name):
                source = sources.triggered_source(pipeline, git_push, repository)
                if source is None:
                    continue
                configuration = source.get("configuration") or {}
                revision = Revision(
                    commit_id=commit,
                    message=message,
                    author=author,
                    created=now,
                    repository=repository or configuration.get("FullRepositoryId", ""),
                    branch=branch,
                    tag=tag,
                )
                execution = executions.start(
                    account,
                    pipeline,
                    now,
                    trigger=sources.push_trigger(pipeline, source, branch, tag),
                    pushed=revision,
                )
                started.append(execution.id)
            if branch is not None:
                for repo in sources.repositories(account, repository):
                    account.heads[(repo, branch)] = Revision(
                        commit, message, author, now, repo, branch=branch
                    )
            executions.settle(account, now)
        self._deliver()
        logger.info("push of %s started %d execution(s)", branch or tag, len(started))
        return started

    def fail_next(self, pipeline: str, stage: str, action: str) -> None:
        """Make the next run of that action fail, after the usual action time."""
        with self._lock:
            action_declaration(self.account.pipeline(pipeline), stage, action)
            self.account.failures[(pipeline, stage, action)] += 1

    def tick(self) -> bool:
        """Carry out everything due at `clock()`; True if anything changed."""
        with self._lock:
            changed = executions.advance(self.account, self._clock())
        self._deliver()
        return changed

    def _deliver(self) -> None:
        """Publish queued notifications outside the lock, in order, from one thread at a time."""
        while True:
            if not self._delivery.acquire(blocking=False):
                # Another thread is delivering and will pick these up.
                return
            try:
                while True:
                    with self._lock:
                        batch, self.account.outbox = self.account.outbox, []
                    if not batch:
                        break
                    for topic, message in batch:
                        try:
                            self._publish(topic, message)
                        except Exception:
                            logger.exception("publishing an approval request to %s failed", topic)
            finally:
                self._delivery.release()
                with self._delivered:
                    self._delivered.notify_all()
            with self._lock:
                if not self.account.outbox:
                    return

    def wait_until_published(self, timeout: float = 30.0) -> bool:
        """Block until every notification queued so far has been handed to `publish`.

        An approval's token shows in GetPipelineState as soon as the action starts, a moment
        before its message is published (that happens outside the lock): whoever acts on the
        message waits here first. False if `timeout` seconds pass first.
        """
        def published() -> bool:
            with self._lock:
                if self.account.outbox:
                    return False
            if not self._delivery.acquire(blocking=False):
                return False  # a batch is being published right now
            self._delivery.release()
            return True

        with self._delivered:
            return self._delivered.wait_for(published, timeout)
