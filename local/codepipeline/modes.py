"""Execution modes and stage locks: which execution waiting at a stage's inbound transition goes
in next (SUPERSEDED: the newest; QUEUED: the oldest; PARALLEL: all), and which waits or is
superseded while another holds the stage.

In SUPERSEDED mode an execution that holds a stage is never replaced, as AWS documents:
a newer one waits at the stage's inbound transition, where a still newer one supersedes it.
`supersede_pending_approvals` departs from AWS on purpose: a newer execution then replaces an
older one that only waits for approval there, whose token stops being valid.
"""

from __future__ import annotations

from datetime import datetime

from local.codepipeline.actions import enter_stage
from local.codepipeline.records import (
    IN_PROGRESS,
    PARALLEL_MODE,
    QUEUED_MODE,
    STOPPED,
    SUPERSEDED,
    SUPERSEDED_MODE,
    Account,
    Execution,
    Pipeline,
)
from local.codepipeline.transitions import is_held


def arrive(pipeline: Pipeline, execution: Execution, at: datetime) -> None:
    """An execution reaches a stage's inbound transition and waits there to be admitted."""
    execution.waiting = True
    if execution.mode != SUPERSEDED_MODE:
        return
    # In SUPERSEDED mode only the newest waiting execution is kept; one that already holds
    # the stage (such as a waiting approval) is never replaced.
    for other in waiting_at(pipeline, execution.stage_name):
        if other is execution:
            continue
        older, newer = (other, execution) if other.seq < execution.seq else (execution, other)
        older.conclude(SUPERSEDED, at, f"Superseded by execution {newer.id}")
        if older is execution:
            return


def admit(account: Account, pipeline: Pipeline, at: datetime) -> bool:
    """Let in every waiting execution its mode and the stage's lock allow; True if any went."""
    changed = False
    queues: dict[str, list[Execution]] = {}
    for execution in pipeline.executions:
        if execution.status == IN_PROGRESS and execution.waiting:
            if is_held(pipeline, execution):
                continue
            queues.setdefault(execution.stage_name, []).append(execution)
    for stage_name, queue in queues.items():
        parallel = [item for item in queue if item.mode == PARALLEL_MODE]
        for execution in parallel:
            enter_stage(account, execution, at)
            changed = True
        locking = [item for item in queue if item.mode != PARALLEL_MODE]
        if not locking:
            continue
        chosen = locking[0] if locking[0].mode == QUEUED_MODE else locking[-1]
        holder = occupant(pipeline, stage_name)
        if holder is not None and _replaceable(account, holder, chosen):
            _replace(account, holder, chosen, at)
            holder = None
        if holder is not None:
            continue
        enter_stage(account, chosen, at)
        changed = True
    return changed


def occupant(pipeline: Pipeline, stage_name: str) -> Execution | None:
    """The execution that holds the stage's lock (PARALLEL executions take no lock)."""
    for execution in pipeline.executions:
        if (
            execution.active
            and not execution.waiting
            and execution.mode != PARALLEL_MODE
            and execution.stage_name == stage_name
        ):
            return execution
    return None


def waiting_at(pipeline: Pipeline, stage_name: str) -> list[Execution]:
    return [
        execution
        for execution in pipeline.executions
        if execution.status == IN_PROGRESS
        and execution.waiting
        and execution.stage_name == stage_name
    ]


def _replaceable(account: Account, holder: Execution, newcomer: Execution) -> bool:
    """Only with supersede_pending_approvals: an older run that merely awaits approval."""
    if not account.supersede_pending_approvals or newcomer.mode != SUPERSEDED_MODE:
        return False
    stage = holder.current_stage()
    if stage is None or holder.seq > newcomer.seq or holder.status != IN_PROGRESS:
        return False
    running = [run for run in stage.runs[stage.group] if run.status == IN_PROGRESS]
    return bool(running) and all(run.token is not None for run in running)


def _replace(account: Account, holder: Execution, newcomer: Execution, at: datetime) -> None:
    account.abandon_runs(holder, at)
    stage = holder.current_stage()
    if stage is not None:
        stage.status = STOPPED
    holder.conclude(SUPERSEDED, at, f"Superseded by execution {newcomer.id}")
