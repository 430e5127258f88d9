"""What the CodePipeline stand-in's tests share: a fake clock and short ways to drive the engine."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local.codepipeline.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = ROOT / "local" / "pipelines"
START = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
STEP = 0.5
TOPIC = "arn:aws:sns:us-east-1:123456789012:greenlight-approvals"


@dataclass
class FakeClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, days: float = 0.0) -> None:
        self.now += timedelta(seconds=seconds, minutes=minutes, days=days)


@dataclass
class Outbox:
    """The (topic, message) pairs the engine published, in order."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, topic: str, message: str) -> None:
        self.sent.append((topic, message))

    def approvals(self) -> list[dict[str, Any]]:
        return [json.loads(message)["approval"] for _, message in self.sent]


def declaration(example: str = "seed-pipeline.json", **changes: Any) -> dict[str, Any]:
    """A shipped example pipeline, with top-level members replaced (None removes one)."""
    document = json.loads((PIPELINES / example).read_text(encoding="utf-8"))
    result: dict[str, Any] = copy.deepcopy(document["pipeline"])
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def make_engine(clock: FakeClock, outbox: Outbox, **options: Any) -> Engine:
    return Engine(publish=outbox, clock=clock, action_seconds=STEP, **options)


def run_for(engine: Engine, clock: FakeClock, seconds: float) -> None:
    """Let `seconds` of pipeline time pass, ticking every action step."""
    steps = round(seconds / STEP)
    for _ in range(steps):
        clock.advance(STEP)
        engine.tick()


def statuses(engine: Engine, pipeline: str) -> dict[str, str]:
    state = engine.call("GetPipelineState", {"name": pipeline})
    return {
        stage["stageName"]: (stage.get("latestExecution") or {}).get("status", "None")
        for stage in state["stageStates"]
    }


def action_state(engine: Engine, pipeline: str, stage: str, action: str) -> dict[str, Any]:
    state = engine.call("GetPipelineState", {"name": pipeline})
    for stage_state in state["stageStates"]:
        if stage_state["stageName"] == stage:
            for found in stage_state["actionStates"]:
                if found["actionName"] == action:
                    return dict(found)
    raise AssertionError(f"no action {stage}/{action}")


def token_of(
    engine: Engine, pipeline: str, stage: str = "Approval", action: str = "ManualApproval"
) -> str:
    return str(action_state(engine, pipeline, stage, action)["latestExecution"]["token"])


def decide(
    engine: Engine,
    pipeline: str,
    token: str,
    status: str = "Approved",
    summary: str = "Looks good",
    stage: str = "Approval",
    action: str = "ManualApproval",
) -> dict[str, Any]:
    return engine.call(
        "PutApprovalResult",
        {
            "pipelineName": pipeline,
            "stageName": stage,
            "actionName": action,
            "result": {"summary": summary, "status": status},
            "token": token,
        },
    )


def execution_status(engine: Engine, pipeline: str, execution_id: str) -> str:
    response = engine.call(
        "GetPipelineExecution", {"pipelineName": pipeline, "pipelineExecutionId": execution_id}
    )
    return str(response["pipelineExecution"]["status"])


def action_executions(engine: Engine, pipeline: str, **params: Any) -> list[dict[str, Any]]:
    return list(
        engine.call("ListActionExecutions", {"pipelineName": pipeline, **params})[
            "actionExecutionDetails"
        ]
    )


def until(
    engine: Engine, clock: FakeClock, condition: Callable[[], bool], limit: float = 30
) -> None:
    """Step pipeline time until `condition` holds; fail after `limit` seconds of it."""
    waited = 0.0
    while not condition():
        if waited >= limit:
            raise AssertionError("the condition did not come true in time")
        clock.advance(STEP)
        engine.tick()
        waited += STEP
