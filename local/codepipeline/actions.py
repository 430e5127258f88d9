"""Running a stage's actions: groups of equal runOrder, one run per action with its variables
resolved, and each run's outcome when its time is up."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from local.codepipeline import approvals
from local.codepipeline.links import describe_work
from local.codepipeline.records import (
    FAILED,
    SUCCEEDED,
    Account,
    ActionRun,
    Execution,
    Revision,
    StageRun,
    clipped_summary,
    is_connection_source,
    is_manual_approval,
)

VARIABLE = re.compile(r"#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}")


def enter_stage(account: Account, execution: Execution, at: datetime) -> None:
    """The execution takes the stage at its position and starts the stage's first group."""
    declaration = execution.declaration["stages"][execution.position]
    orders = sorted({action.get("runOrder", 1) for action in declaration["actions"]})
    groups = [
        [action for action in declaration["actions"] if action.get("runOrder", 1) == order]
        for order in orders
    ]
    stage = StageRun(name=declaration["name"], seq=account.next_seq(), groups=groups)
    execution.stages[stage.name] = stage
    execution.waiting = False
    execution.updated = at
    start_group(account, execution, stage, at)


def start_group(account: Account, execution: Execution, stage: StageRun, at: datetime) -> None:
    stage.runs.append(start_actions(account, execution, stage, stage.groups[stage.group], at))


def start_actions(
    account: Account,
    execution: Execution,
    stage: StageRun,
    actions: Iterable[dict[str, Any]],
    at: datetime,
) -> list[ActionRun]:
    """A new run of each action, due after the action time (or, for approvals, at expiry)."""
    runs: list[ActionRun] = []
    for action in actions:
        configuration = action.get("configuration") or {}
        run = ActionRun(
            seq=account.next_seq(),
            action_execution_id=str(uuid.uuid4()),
            execution=execution,
            stage_name=stage.name,
            action=action,
            started=at,
            updated=at,
            due=None,
            resolved_configuration={
                key: resolve(value, execution) for key, value in configuration.items()
            },
        )
        failure = (execution.pipeline_name, stage.name, run.name)
        if account.failures[failure] > 0:
            account.failures[failure] -= 1
            run.fails = True
        if is_manual_approval(action) and not run.fails:
            approvals.open_approval(account, run, at)
        else:
            run.due = at + timedelta(seconds=account.action_seconds)
            describe_work(run, account.region)
        runs.append(run)
        account.running[run.seq] = run
    return runs


def finish_run(account: Account, run: ActionRun, at: datetime) -> None:
    """The run's time is up: an approval expires, a failing action fails, the rest succeed."""
    account.running.pop(run.seq, None)
    run.updated = at
    if run.token is not None:
        approvals.expire(run)
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
        run.summary = clipped_summary(revision.message)
        execution.sources_done.add(run.name)
        if is_connection_source(run.action):
            run.output_variables = source_variables(run.action, revision)
        namespace = run.action.get("namespace")
        if namespace:
            execution.namespaces[namespace] = dict(run.output_variables)


def source_variables(action: Mapping[str, Any], revision: Revision) -> dict[str, str]:
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


def resolve(text: str, execution: Execution) -> str:
    """`#{namespace.name}` references replaced by what the execution knows of them."""

    def value(match: re.Match[str]) -> str:
        namespace, name = match.groups()
        if namespace == "codepipeline" and name == "PipelineExecutionId":
            return execution.id
        if namespace == "variables":
            return execution.variables.get(name, match.group(0))
        return execution.namespaces.get(namespace, {}).get(name, match.group(0))

    return VARIABLE.sub(value, text)
