"""What the stand-in keeps: pipelines, their executions, stage and action runs, the statuses they
pass through, and the Account that holds them all; plus the error CodePipeline answers with."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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

SUMMARY_LIMIT = 2048


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_token() -> str:
    return str(uuid.uuid4())


def clipped_summary(text: str | None) -> str | None:
    """A summary as CodePipeline keeps it: absent when empty, cut to its 2048 characters."""
    if not text:
        return None
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 3] + "..."


def made_up_sha(*parts: object) -> str:
    """A stable commit-like id for the parts given (not a security measure)."""
    text = ":".join(str(part) for part in parts)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def is_manual_approval(action: Mapping[str, Any]) -> bool:
    type_id = action["actionTypeId"]
    return bool(type_id["category"] == "Approval" and type_id["provider"] == "Manual")


def is_connection_source(action: Mapping[str, Any]) -> bool:
    type_id = action["actionTypeId"]
    return bool(
        type_id["category"] == "Source" and type_id["provider"] == "CodeStarSourceConnection"
    )


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
    """One execution's pass through one stage; actions run in groups of equal runOrder.

    `runs[i]` holds the current runs of group i; `retried` the runs a retry replaced.
    """

    name: str
    seq: int
    groups: list[list[dict[str, Any]]]
    status: str = IN_PROGRESS
    group: int = 0
    runs: list[list[ActionRun]] = field(default_factory=list)
    retried: list[ActionRun] = field(default_factory=list)

    def all_runs(self) -> Iterable[ActionRun]:
        return itertools.chain(self.retried, itertools.chain.from_iterable(self.runs))


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

    def conclude(self, status: str, at: datetime, summary: str | None = None) -> None:
        self.status = status
        self.updated = at
        self.status_summary = summary


@dataclass
class Transition:
    """A stage's inbound or outbound transition; disabled, it holds executions back."""

    enabled: bool = True
    last_changed_by: str | None = None
    last_changed_at: datetime | None = None
    disabled_reason: str | None = None


@dataclass(eq=False)
class Pipeline:
    name: str
    declaration: dict[str, Any]
    versions: dict[int, dict[str, Any]]
    created: datetime
    updated: datetime
    tags: list[dict[str, str]] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    # Keyed by (stage name, "Inbound" or "Outbound"); absent means enabled and never changed.
    transitions: dict[tuple[str, str], Transition] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return int(self.declaration["version"])

    @property
    def stage_names(self) -> list[str]:
        return [stage["name"] for stage in self.declaration["stages"]]

    def latest_stage_run(self, stage_name: str) -> tuple[StageRun, Execution] | None:
        """The stage run that entered `stage_name` last, with its execution."""
        found = [
            (execution.stages[stage_name], execution)
            for execution in self.executions
            if stage_name in execution.stages
        ]
        return max(found, key=lambda item: item[0].seq) if found else None


@dataclass(eq=False)
class Account:
    """One account's CodePipeline in one region: its pipelines and everything under way.

    Every function of the stand-in's modules reads and changes state through one Account,
    under the Engine's lock.
    """

    region: str
    account_id: str
    action_seconds: float
    token_factory: Callable[[], str]
    supersede_pending_approvals: bool
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    running: dict[int, ActionRun] = field(default_factory=dict)
    approvals: dict[str, ActionRun] = field(default_factory=dict)
    failures: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    heads: dict[tuple[str, str | None], Revision] = field(default_factory=dict)
    request_tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    outbox: list[tuple[str, str]] = field(default_factory=list)
    sequence: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def next_seq(self) -> int:
        """The next number of the one sequence that orders everything the account makes."""
        return next(self.sequence)

    @property
    def starter_arn(self) -> str:
        """Who starts a run when the caller is not named: a person, by hand."""
        return f"arn:aws:sts::{self.account_id}:assumed-role/Admin/alice"

    @property
    def approver_arn(self) -> str:
        """Who answers an approval when the caller is not named: the decide function."""
        return f"arn:aws:sts::{self.account_id}:assumed-role/greenlight-decide/greenlight-decide"

    def pipeline(self, name: str) -> Pipeline:
        pipeline = self.pipelines.get(name)
        if pipeline is None:
            raise ServiceError(
                "PipelineNotFoundException",
                f"Account '{self.account_id}' does not have a pipeline with name '{name}'",
            )
        return pipeline

    def abandon_runs(self, execution: Execution, at: datetime) -> None:
        for run in execution.all_runs():
            if run.status == IN_PROGRESS:
                run.status = ABANDONED
                run.updated = at
                self.running.pop(run.seq, None)


def stage_declaration(pipeline: Pipeline, stage_name: str) -> dict[str, Any]:
    for stage in pipeline.declaration["stages"]:
        if stage["name"] == stage_name:
            return dict(stage)
    raise ServiceError(
        "StageNotFoundException",
        f"Stage '{stage_name}' was not found in pipeline '{pipeline.name}'",
    )


def action_declaration(pipeline: Pipeline, stage_name: str, action_name: str) -> dict[str, Any]:
    stage = stage_declaration(pipeline, stage_name)
    for action in stage["actions"]:
        if action["name"] == action_name:
            return dict(action)
    raise ServiceError(
        "ActionNotFoundException",
        f"Action '{action_name}' was not found in stage '{stage_name}' "
        f"of pipeline '{pipeline.name}'",
    )


def find_execution(pipeline: Pipeline, execution_id: str) -> Execution:
    for execution in pipeline.executions:
        if execution.id == execution_id:
            return execution
    raise ServiceError(
        "PipelineExecutionNotFoundException",
        f"Pipeline execution ID {execution_id} does not exist in pipeline {pipeline.name}",
    )
