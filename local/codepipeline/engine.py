"""A deterministic model of AWS CodePipeline: pipelines, executions, approvals, triggers; no HTTP.
Time only moves through the injected clock; `tick()` carries out whatever is due at `clock()`."""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import itertools
import json
import logging
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from local.codepipeline import shapes, triggers

logger = logging.getLogger(__name__)

Publish = Callable[[str, str], None]
Clock = Callable[[], datetime]
Params = Mapping[str, Any]
Response = dict[str, Any]

IN_PROGRESS = "InProgress"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
ABANDONED = "Abandoned"
STOPPING = "Stopping"
STOPPED = "Stopped"
SUPERSEDED = "Superseded"
CANCELLED = "Cancelled"

SUPERSEDED_MODE = "SUPERSEDED"
QUEUED_MODE = "QUEUED"
PARALLEL_MODE = "PARALLEL"

DEFAULT_APPROVAL_MINUTES = 7 * 24 * 60
APPROVAL_EXPIRED = "Approval request expired"
APPROVAL_CONFIGURATION = frozenset({"NotificationArn", "CustomData", "ExternalEntityLink"})
CONSOLE = "https://console.aws.amazon.com"
SUMMARY_LIMIT = 2048
VARIABLE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}")


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    return str(uuid.uuid4())


class ServiceError(Exception):
    """An error CodePipeline answers with: its code (the `__type`), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Revision:
    """A commit a source action hands to an execution."""

    commit_id: str
    message: str
    author: str
    created: datetime
    repository: str
    branch: str | None = None
    tag: str | None = None


@dataclass(eq=False)
class ActionRun:
    """One run of one action in one execution (an "action execution")."""

    seq: int
    action_execution_id: str
    execution: Execution
    stage_name: str
    action: dict[str, Any]
    started: datetime
    updated: datetime
    due: datetime | None
    resolved_configuration: dict[str, str]
    status: str = IN_PROGRESS
    token: str | None = None
    fails: bool = False
    decided: bool = False
    summary: str | None = None
    updated_by: str | None = None
    external_id: str | None = None
    external_url: str | None = None
    error: dict[str, str] | None = None
    output_variables: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.action["name"])


@dataclass(eq=False)
class StageRun:
    """One execution's pass through one stage; actions run in groups of equal runOrder."""

    name: str
    seq: int
    groups: list[list[dict[str, Any]]]
    status: str = IN_PROGRESS
    group: int = 0
    runs: list[list[ActionRun]] = field(default_factory=list)

    def all_runs(self) -> Iterable[ActionRun]:
        return itertools.chain.from_iterable(self.runs)


@dataclass(eq=False)
class Execution:
    """A pipeline execution, running on the declaration the pipeline had when it started."""

    seq: int
    id: str
    pipeline_name: str
    declaration: dict[str, Any]
    version: int
    started: datetime
    updated: datetime
    trigger: dict[str, str]
    revisions: dict[str, Revision]
    variables: dict[str, str]
    status: str = IN_PROGRESS
    status_summary: str | None = None
    position: int = 0
    waiting: bool = True
    stages: dict[str, StageRun] = field(default_factory=dict)
    stop: str | None = None
    stop_reason: str | None = None
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    sources_done: set[str] = field(default_factory=set)

    @property
    def mode(self) -> str:
        return str(self.declaration["executionMode"])

    @property
    def stage_names(self) -> list[str]:
        return [stage["name"] for stage in self.declaration["stages"]]

    @property
    def active(self) -> bool:
        return self.status in (IN_PROGRESS, STOPPING)

    @property
    def stage_name(self) -> str:
        return self.stage_names[min(self.position, len(self.stage_names) - 1)]

    def current_stage(self) -> StageRun | None:
        if self.waiting or not self.active:
            return None
        return self.stages.get(self.stage_name)

    def all_runs(self) -> Iterable[ActionRun]:
        for stage in self.stages.values():
            yield from stage.all_runs()


@dataclass(eq=False)
class Pipeline:
    name: str
    declaration: dict[str, Any]
    versions: dict[int, dict[str, Any]]
    created: datetime
    updated: datetime
    tags: list[dict[str, str]] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)

    @property
    def version(self) -> int:
        return int(self.declaration["version"])


def is_manual_approval(action: Mapping[str, Any]) -> bool:
    type_id = action["actionTypeId"]
    return bool(type_id["category"] == "Approval" and type_id["provider"] == "Manual")


def is_connection_source(action: Mapping[str, Any]) -> bool:
    type_id = action["actionTypeId"]
    return bool(
        type_id["category"] == "Source" and type_id["provider"] == "CodeStarSourceConnection"
    )


def _summary(text: str | None) -> str | None:
    if not text:
        return None
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 3] + "..."


def _sha(*parts: object) -> str:
    text = ":".join(str(part) for part in parts)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class Engine:
    """CodePipeline's behaviour, reached through `call(operation, params)` with botocore shapes.

    `publish(topic_arn, message)` receives the approval notifications; it is called after the
    engine's lock is released, so it may call back into the engine (even over HTTP).
    `token_factory` makes approval tokens (uuid4 strings by default).

    In SUPERSEDED mode an execution that holds a stage is never replaced, as AWS documents:
    a newer one waits at the stage's inbound transition, where a still newer one supersedes it.
    `supersede_pending_approvals=True` departs from AWS on purpose: a newer execution then
    replaces an older one that only waits for approval there, whose token stops being valid.
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
        self.region = region
        self.account_id = account_id
        self.action_seconds = action_seconds
        # Who "did" a call when the caller is not named: a person starting runs by hand,
        # and the function that records approval decisions.
        self.starter_arn = f"arn:aws:sts::{account_id}:assumed-role/Admin/alice"
        self.approver_arn = (
            f"arn:aws:sts::{account_id}:assumed-role/greenlight-decide/greenlight-decide"
        )
        self._publish = publish
        self._clock = clock
        self._token_factory = token_factory
        self.supersede_pending_approvals = supersede_pending_approvals
        self._lock = threading.RLock()
        self._delivery = threading.Lock()
        self._outbox: list[tuple[str, str]] = []
        self._sequence = itertools.count(1)
        self._pipelines: dict[str, Pipeline] = {}
        self._running: dict[int, ActionRun] = {}
        self._approvals: dict[str, ActionRun] = {}
        self._failures: Counter[tuple[str, str, str]] = Counter()
        self._heads: dict[tuple[str, str | None], Revision] = {}
        self._request_tokens: dict[tuple[str, str], str] = {}
        self._handlers: dict[str, Callable[[Params, datetime, str | None], Response]] = {
            "CreatePipeline": self._create_pipeline,
            "UpdatePipeline": self._update_pipeline_operation,
            "DeletePipeline": self._delete_pipeline,
            "GetPipeline": self._get_pipeline,
            "ListPipelines": self._list_pipelines,
            "GetPipelineState": self._get_pipeline_state,
            "GetPipelineExecution": self._get_pipeline_execution,
            "ListPipelineExecutions": self._list_pipeline_executions,
            "StartPipelineExecution": self._start_pipeline_execution,
            "StopPipelineExecution": self._stop_pipeline_execution,
            "PutApprovalResult": self._put_approval_result,
            "ListActionExecutions": self._list_action_executions,
        }

    @property
    def operations(self) -> frozenset[str]:
        """The CodePipeline operations this stand-in carries out."""
        return frozenset(self._handlers)

    def call(self, operation: str, params: Params, *, caller: str | None = None) -> Response:
        """Carry out one CodePipeline operation; raises ServiceError as AWS would answer."""
        handler = self._handlers.get(operation)
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
            self._advance(now)
            response = handler(params, now, caller)
            self._settle(now)
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
        with self._lock:
            now = self._clock()
            self._advance(now)
            pipeline = self._pipeline(name)
            revision = None
            if source_revision is not None:
                revision = self._revision_from(source_revision, now)
            execution = self._start(
                pipeline,
                now,
                trigger=dict(trigger) if trigger else self._manual_trigger(None),
                pushed=revision,
                variables=list(variables),
            )
            self._settle(now)
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
        started: list[str] = []
        with self._lock:
            now = self._clock()
            self._advance(now)
            commit = commit_id or _sha("push", next(self._sequence), repository, branch, tag)
            for pipeline in sorted(self._pipelines.values(), key=lambda item: item.name):
                source = self._triggered_source(pipeline, git_push, repository)
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
                execution = self._start(
                    pipeline,
                    now,
                    trigger=self._push_trigger(pipeline, source, branch, tag),
                    pushed=revision,
                )
                started.append(execution.id)
            if branch is not None:
                for repo in self._repositories(repository):
                    self._heads[(repo, branch)] = Revision(
                        commit, message, author, now, repo, branch=branch
                    )
            self._settle(now)
        self._deliver()
        logger.info("push of %s started %d execution(s)", branch or tag, len(started))
        return started

    def fail_next(self, pipeline: str, stage: str, action: str) -> None:
        """Make the next run of that action fail, after the usual action time."""
        with self._lock:
            self._action_declaration(self._pipeline(pipeline), stage, action)
            self._failures[(pipeline, stage, action)] += 1

    def tick(self) -> bool:
        """Carry out everything due at `clock()`; True if anything changed."""
        with self._lock:
            changed = self._advance(self._clock())
        self._deliver()
        return changed

    def _advance(self, now: datetime) -> bool:
        """Finish due action runs in the order they fell due, as if time had passed smoothly."""
        changed = self._settle(now)
        while True:
            due = [
                (run.due, run.seq, run)
                for run in self._running.values()
                if run.due is not None and run.due <= now
            ]
            if not due:
                return changed
            when, _, run = min(due, key=lambda item: (item[0], item[1]))
            self._finish_run(run, when)
            self._settle(when)
            changed = True

    def _settle(self, at: datetime) -> bool:
        """Make every transition that needs no time: next groups, next stages, admissions."""
        changed_any = False
        while True:
            changed = False
            for pipeline in list(self._pipelines.values()):
                for execution in [item for item in pipeline.executions if item.active]:
                    changed = self._progress(pipeline, execution, at) or changed
                changed = self._admit(pipeline, at) or changed
            if not changed:
                return changed_any
            changed_any = True

    def _progress(self, pipeline: Pipeline, execution: Execution, at: datetime) -> bool:
        if execution.waiting:
            if execution.stop:
                self._conclude(execution, STOPPED, at)
                return True
            return False
        stage = execution.stages[execution.stage_name]
        group = stage.runs[stage.group]
        if any(run.status == IN_PROGRESS for run in group):
            return False
        if execution.stop:
            stage.status = STOPPED
            self._conclude(execution, STOPPED, at)
            return True
        if any(run.status != SUCCEEDED for run in group):
            stage.status = FAILED
            self._conclude(execution, FAILED, at)
            return True
        if stage.group + 1 < len(stage.groups):
            stage.group += 1
            self._start_group(execution, stage, at)
            return True
        stage.status = SUCCEEDED
        execution.position += 1
        execution.updated = at
        if execution.position >= len(execution.stage_names):
            self._conclude(execution, SUCCEEDED, at)
        else:
            self._arrive(pipeline, execution, at)
        return True

    def _arrive(self, pipeline: Pipeline, execution: Execution, at: datetime) -> None:
        """An execution reaches a stage's inbound transition and waits there to be admitted."""
        execution.waiting = True
        if execution.mode != SUPERSEDED_MODE:
            return
        # In SUPERSEDED mode only the newest waiting execution is kept; one that already holds
        # the stage (such as a waiting approval) is never replaced.
        for other in self._waiting_at(pipeline, execution.stage_name):
            if other is execution:
                continue
            older, newer = (other, execution) if other.seq < execution.seq else (execution, other)
            self._conclude(older, SUPERSEDED, at, f"Superseded by execution {newer.id}")
            if older is execution:
                return

    def _admit(self, pipeline: Pipeline, at: datetime) -> bool:
        changed = False
        queues: dict[str, list[Execution]] = {}
        for execution in pipeline.executions:
            if execution.status == IN_PROGRESS and execution.waiting:
                queues.setdefault(execution.stage_name, []).append(execution)
        for stage_name, queue in queues.items():
            parallel = [item for item in queue if item.mode == PARALLEL_MODE]
            for execution in parallel:
                self._enter(execution, at)
                changed = True
            locking = [item for item in queue if item.mode != PARALLEL_MODE]
            if not locking:
                continue
            chosen = locking[0] if locking[0].mode == QUEUED_MODE else locking[-1]
            occupant = self._occupant(pipeline, stage_name)
            if occupant is not None and self._replaceable(occupant, chosen):
                self._replace(occupant, chosen, at)
                occupant = None
            if occupant is not None:
                continue
            self._enter(chosen, at)
            changed = True
        return changed

    def _replaceable(self, occupant: Execution, newcomer: Execution) -> bool:
        """Only with supersede_pending_approvals: an older run that merely awaits approval."""
        if not self.supersede_pending_approvals or newcomer.mode != SUPERSEDED_MODE:
            return False
        stage = occupant.current_stage()
        if stage is None or occupant.seq > newcomer.seq or occupant.status != IN_PROGRESS:
            return False
        running = [run for run in stage.runs[stage.group] if run.status == IN_PROGRESS]
        return bool(running) and all(run.token is not None for run in running)

    def _replace(self, occupant: Execution, newcomer: Execution, at: datetime) -> None:
        self._abandon_runs(occupant, at)
        stage = occupant.current_stage()
        if stage is not None:
            stage.status = STOPPED
        self._conclude(occupant, SUPERSEDED, at, f"Superseded by execution {newcomer.id}")

    def _occupant(self, pipeline: Pipeline, stage_name: str) -> Execution | None:
        for execution in pipeline.executions:
            if (
                execution.active
                and not execution.waiting
                and execution.mode != PARALLEL_MODE
                and execution.stage_name == stage_name
            ):
                return execution
        return None

    def _waiting_at(self, pipeline: Pipeline, stage_name: str) -> list[Execution]:
        return [
            execution
            for execution in pipeline.executions
            if execution.status == IN_PROGRESS
            and execution.waiting
            and execution.stage_name == stage_name
        ]

    def _enter(self, execution: Execution, at: datetime) -> None:
        declaration = execution.declaration["stages"][execution.position]
        orders = sorted({action.get("runOrder", 1) for action in declaration["actions"]})
        groups = [
            [action for action in declaration["actions"] if action.get("runOrder", 1) == order]
            for order in orders
        ]
        stage = StageRun(name=declaration["name"], seq=next(self._sequence), groups=groups)
        execution.stages[stage.name] = stage
        execution.waiting = False
        execution.updated = at
        self._start_group(execution, stage, at)

    def _start_group(self, execution: Execution, stage: StageRun, at: datetime) -> None:
        runs: list[ActionRun] = []
        for action in stage.groups[stage.group]:
            configuration = action.get("configuration") or {}
            run = ActionRun(
                seq=next(self._sequence),
                action_execution_id=str(uuid.uuid4()),
                execution=execution,
                stage_name=stage.name,
                action=action,
                started=at,
                updated=at,
                due=None,
                resolved_configuration={
                    key: self._resolve(value, execution) for key, value in configuration.items()
                },
            )
            failure = (execution.pipeline_name, stage.name, run.name)
            if self._failures[failure] > 0:
                self._failures[failure] -= 1
                run.fails = True
            if is_manual_approval(action) and not run.fails:
                self._open_approval(run, at)
            else:
                run.due = at + timedelta(seconds=self.action_seconds)
                self._describe_work(run)
            runs.append(run)
            self._running[run.seq] = run
        stage.runs.append(runs)

    def _open_approval(self, run: ActionRun, at: datetime) -> None:
        minutes = run.action.get("timeoutInMinutes") or DEFAULT_APPROVAL_MINUTES
        token = self._token_factory()
        expires = at + timedelta(minutes=minutes)
        run.token, run.due = token, expires
        self._approvals[token] = run
        topic = run.resolved_configuration.get("NotificationArn")
        if topic:
            self._outbox.append((topic, self._approval_message(run, token, expires)))

    def _approval_message(self, run: ActionRun, token: str, expires: datetime) -> str:
        """The notification exactly as CodePipeline publishes it: compact JSON, this key order."""
        pipeline_name = run.execution.pipeline_name
        console = self._console_link(pipeline_name)
        message = {
            "region": self.region,
            "consoleLink": console,
            "approval": {
                "pipelineName": pipeline_name,
                "stageName": run.stage_name,
                "actionName": run.name,
                "token": token,
                "expires": expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ"),
                "externalEntityLink": run.resolved_configuration.get("ExternalEntityLink"),
                "approvalReviewLink": (f"{console}#/{run.stage_name}/{run.name}/approve/{token}"),
                "customData": run.resolved_configuration.get("CustomData"),
            },
        }
        return json.dumps(message, separators=(",", ":"), ensure_ascii=False)

    def _console_link(self, pipeline_name: str) -> str:
        return (
            f"{CONSOLE}/codesuite/codepipeline/pipelines/{quote(pipeline_name)}"
            f"/view?region={self.region}"
        )

    def _describe_work(self, run: ActionRun) -> None:
        """The external ids and links the providers of non-approval actions report."""
        provider = run.action["actionTypeId"]["provider"]
        configuration = run.resolved_configuration
        region = run.action.get("region", self.region)
        if run.action["actionTypeId"]["category"] == "Source":
            revision = run.execution.revisions.get(run.name)
            if revision is not None:
                run.external_id = revision.commit_id
                run.external_url = self._revision_url(run.action, revision)
        elif provider == "CodeBuild":
            build_id = f"{configuration.get('ProjectName', run.name)}:{uuid.uuid4()}"
            run.external_id = build_id
            run.external_url = (
                f"{CONSOLE}/codebuild/home?region={region}#/builds/{quote(build_id)}/view/new"
            )
        elif provider == "CodeDeploy":
            run.external_id = "d-" + uuid.uuid4().hex[:9].upper()
            run.external_url = (
                f"{CONSOLE}/codedeploy/home?region={region}#/deployments/{run.external_id}"
            )

    def _finish_run(self, run: ActionRun, at: datetime) -> None:
        self._running.pop(run.seq, None)
        run.updated = at
        if run.token is not None:
            run.status = FAILED
            run.summary = APPROVAL_EXPIRED
            return
        if run.fails:
            provider = run.action["actionTypeId"]["provider"]
            text = (
                "Build terminated with state: FAILED"
                if provider == "CodeBuild"
                else f"Action {run.name} failed"
            )
            run.status = FAILED
            run.summary = text
            run.error = {"code": "JobFailed", "message": text}
            return
        run.status = SUCCEEDED
        execution = run.execution
        revision = execution.revisions.get(run.name)
        if run.action["actionTypeId"]["category"] == "Source" and revision is not None:
            run.summary = _summary(revision.message)
            execution.sources_done.add(run.name)
            if is_connection_source(run.action):
                run.output_variables = self._source_variables(run.action, revision)
            namespace = run.action.get("namespace")
            if namespace:
                execution.namespaces[namespace] = dict(run.output_variables)

    def _source_variables(self, action: Mapping[str, Any], revision: Revision) -> dict[str, str]:
        """The variables AWS documents for a CodeStarSourceConnection source action."""
        configuration = action.get("configuration") or {}
        return {
            "AuthorDate": revision.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "BranchName": revision.branch or configuration.get("BranchName", ""),
            "CommitId": revision.commit_id,
            "CommitMessage": revision.message,
            "ConnectionArn": configuration.get("ConnectionArn", ""),
            "FullRepositoryName": revision.repository,
        }

    def _resolve(self, text: str, execution: Execution) -> str:
        def value(match: re.Match[str]) -> str:
            namespace, name = match.groups()
            if namespace == "codepipeline" and name == "PipelineExecutionId":
                return execution.id
            if namespace == "variables":
                return execution.variables.get(name, match.group(0))
            return execution.namespaces.get(namespace, {}).get(name, match.group(0))

        return VARIABLE.sub(value, text)

    def _conclude(
        self, execution: Execution, status: str, at: datetime, summary: str | None = None
    ) -> None:
        execution.status = status
        execution.updated = at
        execution.status_summary = summary

    def _abandon_runs(self, execution: Execution, at: datetime) -> None:
        for run in execution.all_runs():
            if run.status == IN_PROGRESS:
                run.status = ABANDONED
                run.updated = at
                self._running.pop(run.seq, None)

    def _start(
        self,
        pipeline: Pipeline,
        now: datetime,
        *,
        trigger: dict[str, str],
        pushed: Revision | None = None,
        overrides: Mapping[str, str] | None = None,
        variables: list[Mapping[str, str]] | None = None,
    ) -> Execution:
        declaration = copy.deepcopy(pipeline.declaration)
        revisions = {
            action["name"]: self._source_revision(pipeline, action, pushed, overrides or {}, now)
            for action in declaration["stages"][0]["actions"]
        }
        execution = Execution(
            seq=next(self._sequence),
            id=str(uuid.uuid4()),
            pipeline_name=pipeline.name,
            declaration=declaration,
            version=pipeline.version,
            started=now,
            updated=now,
            trigger=trigger,
            revisions=revisions,
            variables=self._execution_variables(declaration, variables or []),
        )
        pipeline.executions.append(execution)
        self._arrive(pipeline, execution, now)
        logger.info(
            "pipeline %s: execution %s started by %s",
            pipeline.name,
            execution.id,
            trigger["triggerType"],
        )
        return execution

    def _source_revision(
        self,
        pipeline: Pipeline,
        action: Mapping[str, Any],
        pushed: Revision | None,
        overrides: Mapping[str, str],
        now: datetime,
    ) -> Revision:
        configuration = action.get("configuration") or {}
        repository = (
            configuration.get("FullRepositoryId")
            or configuration.get("RepositoryName")
            or configuration.get("S3Bucket")
            or action["name"]
        )
        branch = configuration.get("BranchName")
        if (
            pushed is not None
            and is_connection_source(action)
            and pushed.repository in ("", repository)
        ):
            return Revision(
                pushed.commit_id,
                pushed.message,
                pushed.author,
                pushed.created,
                repository,
                branch=pushed.branch,
                tag=pushed.tag,
            )
        head = self._heads.get((repository, branch))
        override = overrides.get(action["name"])
        if override is not None:
            known = head is not None and head.commit_id == override
            return Revision(
                override,
                head.message if known and head else "",
                head.author if known and head else "",
                now,
                repository,
                branch=branch,
            )
        if head is not None:
            return head
        # Before any push, a source offers a stable made-up first commit of its branch.
        return Revision(
            _sha("initial", repository, branch),
            "Initial commit",
            "Jane Doe",
            pipeline.created,
            repository,
            branch=branch,
        )

    def _revision_from(self, source_revision: Mapping[str, Any], now: datetime) -> Revision:
        return Revision(
            commit_id=str(source_revision.get("commitId") or _sha("start", next(self._sequence))),
            message=str(source_revision.get("message", "")),
            author=str(source_revision.get("author", "Jane Doe")),
            created=now,
            repository=str(source_revision.get("repository") or ""),
            branch=source_revision.get("branch"),
            tag=source_revision.get("tag"),
        )

    def _execution_variables(
        self, declaration: Mapping[str, Any], given: list[Mapping[str, str]]
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

    def _manual_trigger(self, caller: str | None) -> dict[str, str]:
        return {
            "triggerType": "StartPipelineExecution",
            "triggerDetail": caller or self.starter_arn,
        }

    def _push_trigger(
        self,
        pipeline: Pipeline,
        source: Mapping[str, Any],
        branch: str | None,
        tag: str | None,
    ) -> dict[str, str]:
        configuration = source.get("configuration") or {}
        reference = f"refs/heads/{branch}" if branch is not None else f"refs/tags/{tag}"
        connection = configuration.get("ConnectionArn", "")
        kind = "WebhookV2" if pipeline.declaration.get("pipelineType") == "V2" else "Webhook"
        return {"triggerType": kind, "triggerDetail": f"{connection} {reference}".strip()[:1024]}

    def _triggered_source(
        self, pipeline: Pipeline, git_push: triggers.GitPush, repository: str | None
    ) -> dict[str, Any] | None:
        declaration = pipeline.declaration
        sources: dict[str, dict[str, Any]] = {
            action["name"]: action
            for action in declaration["stages"][0]["actions"]
            if is_connection_source(action)
            and (
                repository is None
                or (action.get("configuration") or {}).get("FullRepositoryId") == repository
            )
        }
        configured = declaration.get("triggers") or []
        if configured:
            for trigger in configured:
                git = trigger["gitConfiguration"]
                source = sources.get(git["sourceActionName"])
                filters = git.get("push") or []
                if source is not None and triggers.push_filters_match(filters, git_push):
                    return source
            return None
        # Without triggers, a connection source detects pushes to its own branch.
        for source in sources.values():
            configuration = source.get("configuration") or {}
            detects = str(configuration.get("DetectChanges", "true")).lower() != "false"
            if (
                detects
                and git_push.branch is not None
                and git_push.branch == configuration.get("BranchName")
            ):
                return source
        return None

    def _repositories(self, repository: str | None) -> set[str]:
        if repository is not None:
            return {repository}
        return {
            (action.get("configuration") or {}).get("FullRepositoryId", "")
            for pipeline in self._pipelines.values()
            for action in pipeline.declaration["stages"][0]["actions"]
            if is_connection_source(action)
        }

    def _pipeline(self, name: str) -> Pipeline:
        pipeline = self._pipelines.get(name)
        if pipeline is None:
            raise ServiceError(
                "PipelineNotFoundException",
                f"Account '{self.account_id}' does not have a pipeline with name '{name}'",
            )
        return pipeline

    def _action_declaration(
        self, pipeline: Pipeline, stage_name: str, action_name: str
    ) -> dict[str, Any]:
        for stage in pipeline.declaration["stages"]:
            if stage["name"] != stage_name:
                continue
            for action in stage["actions"]:
                if action["name"] == action_name:
                    return dict(action)
            raise ServiceError(
                "ActionNotFoundException",
                f"Action '{action_name}' was not found in stage '{stage_name}' "
                f"of pipeline '{pipeline.name}'",
            )
        raise ServiceError(
            "StageNotFoundException",
            f"Stage '{stage_name}' was not found in pipeline '{pipeline.name}'",
        )

    def _execution(self, pipeline: Pipeline, execution_id: str) -> Execution:
        for execution in pipeline.executions:
            if execution.id == execution_id:
                return execution
        raise ServiceError(
            "PipelineExecutionNotFoundException",
            f"Pipeline execution ID {execution_id} does not exist in pipeline {pipeline.name}",
        )

    def _checked_declaration(self, declaration: Mapping[str, Any], version: int) -> dict[str, Any]:
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
            produced |= self._checked_stage(stage, index, produced)
        self._check_triggers(result)
        result["version"] = version
        result.setdefault("executionMode", SUPERSEDED_MODE)
        result.setdefault("pipelineType", "V2" if v2_features else "V1")
        for stage in stages:
            for action in stage["actions"]:
                action.setdefault("runOrder", 1)
                action.setdefault("outputArtifacts", [])
                action.setdefault("inputArtifacts", [])
        return result

    def _checked_stage(
        self, stage: Mapping[str, Any], index: int, produced_before: set[str]
    ) -> set[str]:
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

    def _check_triggers(self, declaration: Mapping[str, Any]) -> None:
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

    def _store(
        self, declaration: Mapping[str, Any], now: datetime, *, create: bool
    ) -> tuple[Pipeline, bool]:
        name = declaration["name"]
        existing = self._pipelines.get(name)
        if existing is not None and create:
            raise ServiceError(
                "PipelineNameInUseException", f"Pipeline name {name} is already in use"
            )
        if existing is None:
            checked = self._checked_declaration(declaration, 1)
            pipeline = Pipeline(name, checked, {1: checked}, now, now)
            self._pipelines[name] = pipeline
            logger.info("pipeline %s created", name)
            return pipeline, True
        checked = self._checked_declaration(declaration, existing.version + 1)
        for execution in existing.executions:
            # An edit cancels what is under way, except PARALLEL runs, which keep their version.
            if execution.active and execution.mode != PARALLEL_MODE:
                self._abandon_runs(execution, now)
                stage = execution.current_stage()
                if stage is not None:
                    stage.status = CANCELLED
                self._conclude(
                    execution,
                    CANCELLED,
                    now,
                    "The pipeline's definition was updated before the execution completed",
                )
        existing.declaration = checked
        existing.versions[checked["version"]] = checked
        existing.updated = now
        logger.info("pipeline %s updated to version %d", name, checked["version"])
        return existing, False

    def _create_pipeline(self, params: Params, now: datetime, caller: str | None) -> Response:
        pipeline, _ = self._store(params["pipeline"], now, create=True)
        pipeline.tags = [dict(tag) for tag in params.get("tags") or ()]
        # Like AWS, a new pipeline runs once straight away, if its variables allow it.
        try:
            self._start(
                pipeline,
                now,
                trigger={
                    "triggerType": "CreatePipeline",
                    "triggerDetail": caller or self.starter_arn,
                },
            )
        except ServiceError as error:
            logger.warning("pipeline %s was created but not started: %s", pipeline.name, error)
        response: Response = {"pipeline": copy.deepcopy(pipeline.declaration)}
        if pipeline.tags:
            response["tags"] = copy.deepcopy(pipeline.tags)
        return response

    def _update_pipeline_operation(
        self, params: Params, now: datetime, caller: str | None
    ) -> Response:
        # Creating a missing pipeline here (instead of failing) lets pipeline.json files seed
        # the stand-in with `update-pipeline`; it starts no execution.
        pipeline, _ = self._store(params["pipeline"], now, create=False)
        return {"pipeline": copy.deepcopy(pipeline.declaration)}

    def _delete_pipeline(self, params: Params, now: datetime, caller: str | None) -> Response:
        pipeline = self._pipelines.pop(params["name"], None)
        if pipeline is not None:
            for execution in pipeline.executions:
                self._abandon_runs(execution, now)
            self._approvals = {
                token: run
                for token, run in self._approvals.items()
                if run.execution.pipeline_name != pipeline.name
            }
        return {}

    def _get_pipeline(self, params: Params, now: datetime, caller: str | None) -> Response:
        pipeline = self._pipeline(params["name"])
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
                    f"arn:aws:codepipeline:{self.region}:{self.account_id}:{pipeline.name}"
                ),
                "created": pipeline.created,
                "updated": pipeline.updated,
            },
        }

    def _list_pipelines(self, params: Params, now: datetime, caller: str | None) -> Response:
        pipelines = sorted(self._pipelines.values(), key=lambda item: item.name)
        page, token = _page(
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

    def _get_pipeline_state(self, params: Params, now: datetime, caller: str | None) -> Response:
        pipeline = self._pipeline(params["name"])
        mode = pipeline.declaration["executionMode"]
        states = []
        for stage in pipeline.declaration["stages"]:
            name = stage["name"]
            state: Response = {"stageName": name}
            waiting = sorted(self._waiting_at(pipeline, name), key=lambda item: item.seq)
            if waiting:
                upcoming = waiting[0] if mode == QUEUED_MODE else waiting[-1]
                state["inboundExecution"] = {
                    "pipelineExecutionId": upcoming.id,
                    "status": IN_PROGRESS,
                }
                state["inboundExecutions"] = [
                    {"pipelineExecutionId": item.id, "status": IN_PROGRESS} for item in waiting
                ]
            state["inboundTransitionState"] = {"enabled": True}
            state["actionStates"] = [
                self._action_state(pipeline, name, action, mode) for action in stage["actions"]
            ]
            latest = self._latest_stage_run(pipeline, name)
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

    def _latest_stage_run(
        self, pipeline: Pipeline, stage_name: str
    ) -> tuple[StageRun, Execution] | None:
        found = [
            (execution.stages[stage_name], execution)
            for execution in pipeline.executions
            if stage_name in execution.stages
        ]
        return max(found, key=lambda item: item[0].seq) if found else None

    def _action_state(
        self, pipeline: Pipeline, stage_name: str, action: Mapping[str, Any], mode: str
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
        revision_url = None
        if latest is not None:
            revision = latest.execution.revisions.get(latest.name)
            if latest.name in latest.execution.sources_done and revision is not None:
                state["currentRevision"] = {
                    "revisionId": revision.commit_id,
                    "revisionChangeId": revision.commit_id,
                    "created": revision.created,
                }
                revision_url = self._revision_url(action, revision)
            state["latestExecution"] = self._action_execution(latest, mode)
        entity_url = self._entity_url(action)
        if entity_url:
            state["entityUrl"] = entity_url
        if revision_url:
            state["revisionUrl"] = revision_url
        return state

    def _action_execution(self, run: ActionRun, mode: str) -> Response:
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

    def _entity_url(self, action: Mapping[str, Any]) -> str | None:
        configuration = action.get("configuration") or {}
        provider = action["actionTypeId"]["provider"]
        region = action.get("region", self.region)
        if is_connection_source(action) and configuration.get("FullRepositoryId"):
            branch = configuration.get("BranchName", "")
            return f"https://github.com/{configuration['FullRepositoryId']}/tree/{quote(branch)}"
        if provider == "CodeBuild" and configuration.get("ProjectName"):
            return (
                f"{CONSOLE}/codebuild/home?region={region}"
                f"#/projects/{quote(configuration['ProjectName'])}/view"
            )
        if provider == "CodeDeploy" and configuration.get("ApplicationName"):
            return (
                f"{CONSOLE}/codedeploy/home?region={region}"
                f"#/applications/{quote(configuration['ApplicationName'])}"
            )
        if provider == "CloudFormation" and configuration.get("StackName"):
            return (
                f"{CONSOLE}/cloudformation/home?region={region}"
                f"#/stacks?filteringText={quote(configuration['StackName'])}"
            )
        if is_manual_approval(action) and configuration.get("ExternalEntityLink"):
            return str(configuration["ExternalEntityLink"])
        return None

    def _revision_url(self, action: Mapping[str, Any], revision: Revision) -> str | None:
        if is_connection_source(action) and revision.repository:
            return f"https://github.com/{revision.repository}/commit/{revision.commit_id}"
        if action["actionTypeId"]["provider"] == "CodeCommit":
            return (
                f"{CONSOLE}/codesuite/codecommit/repositories/{quote(revision.repository)}"
                f"/commit/{revision.commit_id}?region={self.region}"
            )
        return None

    def _revision_summary(self, action: Mapping[str, Any], revision: Revision) -> str | None:
        if is_connection_source(action):
            text = json.dumps(
                {"ProviderType": "GitHub", "CommitMessage": revision.message},
                separators=(",", ":"),
                ensure_ascii=False,
            )
            return _summary(text)
        return _summary(revision.message)

    def _source_actions_done(self, execution: Execution) -> list[dict[str, Any]]:
        return [
            action
            for action in execution.declaration["stages"][0]["actions"]
            if action["name"] in execution.sources_done
        ]

    def _get_pipeline_execution(
        self, params: Params, now: datetime, caller: str | None
    ) -> Response:
        pipeline = self._pipeline(params["pipelineName"])
        execution = self._execution(pipeline, params["pipelineExecutionId"])
        artifacts = []
        for action in self._source_actions_done(execution):
            revision = execution.revisions[action["name"]]
            for artifact in action.get("outputArtifacts") or ():
                entry: Response = {"name": artifact["name"], "revisionId": revision.commit_id}
                summary = self._revision_summary(action, revision)
                if summary:
                    entry["revisionSummary"] = summary
                entry["created"] = revision.created
                url = self._revision_url(action, revision)
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
                {"name": name, "resolvedValue": value}
                for name, value in execution.variables.items()
            ]
        detail["trigger"] = dict(execution.trigger)
        detail["executionMode"] = execution.mode
        detail["executionType"] = "STANDARD"
        return {"pipelineExecution": detail}

    def _list_pipeline_executions(
        self, params: Params, now: datetime, caller: str | None
    ) -> Response:
        pipeline = self._pipeline(params["pipelineName"])
        executions = sorted(pipeline.executions, key=lambda item: item.seq, reverse=True)
        stage_filter = (params.get("filter") or {}).get("succeededInStage") or {}
        if stage_filter.get("stageName"):
            wanted = stage_filter["stageName"]
            executions = [
                item
                for item in executions
                if wanted in item.stages and item.stages[wanted].status == SUCCEEDED
            ]
        page, token = _page(
            executions,
            key=lambda item: item.seq,
            after=lambda item, mark: item.seq < mark,
            kind="executions",
            max_results=params.get("maxResults", 100),
            next_token=params.get("nextToken"),
        )
        summaries = [self._summary_of(item) for item in page]
        response: Response = {"pipelineExecutionSummaries": summaries}
        if token:
            response["nextToken"] = token
        return response

    def _summary_of(self, execution: Execution) -> Response:
        summary: Response = {
            "pipelineExecutionId": execution.id,
            "status": execution.status,
        }
        if execution.status_summary:
            summary["statusSummary"] = execution.status_summary
        summary["startTime"] = execution.started
        summary["lastUpdateTime"] = execution.updated
        revisions = []
        for action in self._source_actions_done(execution):
            revision = execution.revisions[action["name"]]
            entry: Response = {"actionName": action["name"], "revisionId": revision.commit_id}
            text = self._revision_summary(action, revision)
            if text:
                entry["revisionSummary"] = text
            url = self._revision_url(action, revision)
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

    def _start_pipeline_execution(
        self, params: Params, now: datetime, caller: str | None
    ) -> Response:
        pipeline = self._pipeline(params["name"])
        request_token = params.get("clientRequestToken")
        if request_token and (pipeline.name, request_token) in self._request_tokens:
            return {"pipelineExecutionId": self._request_tokens[(pipeline.name, request_token)]}
        overrides = {}
        for item in params.get("sourceRevisions") or ():
            if item["revisionType"] != "COMMIT_ID":
                raise ServiceError(
                    "ValidationException",
                    f"This stand-in only overrides COMMIT_ID revisions, not {item['revisionType']}",
                )
            first_stage = pipeline.declaration["stages"][0]["name"]
            self._action_declaration(pipeline, first_stage, item["actionName"])
            overrides[item["actionName"]] = item["revisionValue"]
        execution = self._start(
            pipeline,
            now,
            trigger=self._manual_trigger(caller),
            overrides=overrides,
            variables=list(params.get("variables") or ()),
        )
        if request_token:
            self._request_tokens[(pipeline.name, request_token)] = execution.id
        return {"pipelineExecutionId": execution.id}

    def _stop_pipeline_execution(
        self, params: Params, now: datetime, caller: str | None
    ) -> Response:
        pipeline = self._pipeline(params["pipelineName"])
        execution_id = params["pipelineExecutionId"]
        try:
            execution = self._execution(pipeline, execution_id)
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
            self._abandon_runs(execution, now)
        logger.info("pipeline %s: execution %s stopping", pipeline.name, execution.id)
        return {"pipelineExecutionId": execution.id}

    def _put_approval_result(self, params: Params, now: datetime, caller: str | None) -> Response:
        pipeline = self._pipeline(params["pipelineName"])
        stage_name, action_name = params["stageName"], params["actionName"]
        self._action_declaration(pipeline, stage_name, action_name)
        token = params["token"]
        run = self._approvals.get(token)
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
        run.summary = _summary(result.get("summary"))
        run.updated_by = caller or self.approver_arn
        run.updated = now
        run.decided = True
        self._running.pop(run.seq, None)
        logger.info(
            "pipeline %s: %s/%s %s by %s",
            pipeline.name,
            stage_name,
            action_name,
            result["status"],
            run.updated_by,
        )
        return {"approvedAt": now}

    def _list_action_executions(
        self, params: Params, now: datetime, caller: str | None
    ) -> Response:
        pipeline = self._pipeline(params["pipelineName"])
        runs = [run for execution in pipeline.executions for run in execution.all_runs()]
        wanted = params.get("filter") or {}
        execution_id = wanted.get("pipelineExecutionId")
        latest_filter = wanted.get("latestInPipelineExecution")
        if latest_filter:
            execution_id = latest_filter["pipelineExecutionId"]
        if execution_id:
            self._execution(pipeline, execution_id)
            runs = [run for run in runs if run.execution.id == execution_id]
        if latest_filter and latest_filter["startTimeRange"] == "Latest":
            newest: dict[tuple[str, str], ActionRun] = {}
            for run in runs:
                key = (run.stage_name, run.name)
                if key not in newest or newest[key].seq < run.seq:
                    newest[key] = run
            runs = list(newest.values())
        runs.sort(key=lambda item: item.seq, reverse=True)
        page, token = _page(
            runs,
            key=lambda item: item.seq,
            after=lambda item, mark: item.seq < mark,
            kind="actions",
            max_results=params.get("maxResults", 100),
            next_token=params.get("nextToken"),
        )
        response: Response = {"actionExecutionDetails": [self._action_detail(run) for run in page]}
        if token:
            response["nextToken"] = token
        return response

    def _action_detail(self, run: ActionRun) -> Response:
        execution = run.execution
        action = run.action
        bucket = self._artifact_bucket(execution.declaration, action.get("region", self.region))
        action_input: Response = {"actionTypeId": dict(action["actionTypeId"])}
        if action.get("configuration"):
            action_input["configuration"] = dict(action["configuration"])
            action_input["resolvedConfiguration"] = dict(run.resolved_configuration)
        if action.get("roleArn"):
            action_input["roleArn"] = action["roleArn"]
        action_input["region"] = action.get("region", self.region)
        action_input["inputArtifacts"] = [
            self._artifact_detail(execution, artifact["name"], bucket)
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
                self._artifact_detail(execution, artifact["name"], bucket)
                for artifact in action["outputArtifacts"]
            ]
        if result:
            output["executionResult"] = result
        if run.output_variables:
            output["outputVariables"] = dict(run.output_variables)
        if output:
            detail["output"] = output
        return detail

    def _artifact_bucket(self, declaration: Mapping[str, Any], region: str) -> str:
        if "artifactStore" in declaration:
            return str(declaration["artifactStore"]["location"])
        stores = declaration.get("artifactStores") or {}
        store = stores.get(region) or next(iter(stores.values()), {"location": "artifacts"})
        return str(store["location"])

    def _artifact_detail(self, execution: Execution, name: str, bucket: str) -> Response:
        key = f"{execution.pipeline_name[:20]}/{name[:20]}/{_sha(execution.id, name)[:7]}"
        return {"name": name, "s3location": {"bucket": bucket, "key": key}}

    def _deliver(self) -> None:
        """Publish queued notifications outside the lock, in order, from one thread at a time."""
        while True:
            if not self._delivery.acquire(blocking=False):
                # Another thread is delivering and will pick these up.
                return
            try:
                while True:
                    with self._lock:
                        batch, self._outbox = self._outbox, []
                    if not batch:
                        break
                    for topic, message in batch:
                        try:
                            self._publish(topic, message)
                        except Exception:
                            logger.exception("publishing an approval request to %s failed", topic)
            finally:
                self._delivery.release()
            with self._lock:
                if not self._outbox:
                    return


def _page(
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
