"""Approvals the CodePipeline stand-in really waits on, whose messages a test builds and hands
to the notify function itself (notify mails only about tokens CodePipeline waits on)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from local.offline import REGION, sns_event
from local.stack import OfflineStack
from tests.offline import load_pipeline, wait_until

CONSOLE = "https://console.aws.amazon.com/codesuite/codepipeline/pipelines"


@dataclass(frozen=True)
class Waiting:
    """A run waiting at its approval action with `token`."""

    pipeline: str
    stage: str
    action: str
    token: str
    execution_id: str

    def message(self, **approval: Any) -> str:
        """The notification as CodePipeline publishes it; `approval` changes its fields."""
        expires = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%MZ")
        console = f"{CONSOLE}/{self.pipeline}/view?region={REGION}"
        fields = {"pipelineName": self.pipeline, "stageName": self.stage,
                  "actionName": self.action, "token": self.token, "expires": expires,
                  "externalEntityLink": "https://github.com/acme/webapp/pull/42",
                  "approvalReviewLink": f"{console}#/{self.stage}/{self.action}/approve/"
                                        f"{self.token}",
                  "customData": "Release to production"} | approval
        return json.dumps({"region": REGION, "consoleLink": console, "approval": fields})

    def event(self, stack: OfflineStack, **approval: Any) -> dict[str, Any]:
        return sns_event(stack.topic_arn, self.message(**approval))


def unwired(declaration: dict[str, Any]) -> None:
    """No NotificationArn: the stand-in publishes nothing, the test hands the message over."""
    for stage in declaration["stages"]:
        for action in stage["actions"]:
            (action.get("configuration") or {}).pop("NotificationArn", None)


def waiting_approval(stack: OfflineStack, name: str, example: str = "seed-pipeline.json",
                     *, token: str | None = None,
                     change: Callable[[dict[str, Any]], None] | None = None) -> Waiting:
    """Load `example` as `name` without notifications (and with `change` applied to its
    declaration), and run it to its approval, with `token` if given."""

    def declaration(document: dict[str, Any]) -> None:
        unwired(document)
        if change is not None:
            change(document)

    pipeline = load_pipeline(stack, example, name, declaration)
    return next_run_at_approval(stack, pipeline, token)


def next_run_at_approval(stack: OfflineStack, pipeline: str,
                         token: str | None = None) -> Waiting:
    """Start a run of `pipeline` and wait until its approval waits on a token."""
    if token is not None:
        stack.preset_tokens.append(token)
    execution_id = stack.engine.start_execution(pipeline)
    return waiting_at_approval(stack, pipeline, execution_id)


def waiting_at_approval(stack: OfflineStack, pipeline: str, execution_id: str) -> Waiting:
    """Wait until the run `execution_id` of `pipeline` waits at an approval, on a token."""
    def waiting() -> Waiting | None:
        details = stack.engine.call("ListActionExecutions", {
            "pipelineName": pipeline, "filter": {"pipelineExecutionId": execution_id}})
        for detail in details["actionExecutionDetails"]:
            if (detail["input"]["actionTypeId"]["category"] == "Approval"
                    and detail["status"] == "InProgress"):
                token = detail["output"]["executionResult"]["externalExecutionId"]
                return Waiting(pipeline, detail["stageName"], detail["actionName"], token,
                               execution_id)
        return None

    found: Waiting = wait_until(waiting, what=f"{pipeline} to wait at its approval")
    return found
