"""PARALLEL execution mode: many newer runs never push an older run's live approval out of
sight, so its links still work and the sweep does not close it."""

from __future__ import annotations

from local.stack import OfflineStack
from tests.acceptance.helpers import (
    ALICE,
    BOB,
    all_mails_about,
    approval_mails,
    by_recipient,
)
from tests.live import waiting_approval
from tests.offline import execution_status, links_in, open_link, submit, wait_until

NEWER_RUNS = 120  # each run of parallel.json has 6 action executions: over 500 in all


def test_many_newer_runs_leave_an_older_request_open(stack: OfflineStack, name: str) -> None:
    first = waiting_approval(stack, f"quorum-par-{name}", "parallel.json")
    stack.publish(first.message())
    mails = by_recipient(approval_mails(stack, first.pipeline))
    for _ in range(NEWER_RUNS):
        stack.engine.start_execution(first.pipeline)

    def all_waiting() -> bool:
        waiting, token = 0, None
        while True:
            page = stack.engine.call("ListActionExecutions", {
                "pipelineName": first.pipeline, "maxResults": 100,
                **({"nextToken": token} if token else {})})
            waiting += sum(d["actionName"] == "ManualApproval" and d["status"] == "InProgress"
                           for d in page["actionExecutionDetails"])
            token = page.get("nextToken")
            if not token:
                return waiting > NEWER_RUNS
    wait_until(all_waiting, timeout=90, what="the newer runs to wait at the approval")
    stack.invoke_remind()
    closing = [m for m in all_mails_about(stack, first.pipeline)
               if "no longer" in (m.text + m.subject).lower()]
    assert closing == []
    page = open_link(links_in(mails[ALICE])["Approve"])
    assert page.status_code == 200
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    assert submit(links_in(mails[BOB])["Approve"], "ok").status_code == 200
    wait_until(lambda: execution_status(stack, first.pipeline, first.execution_id)
               in ("Succeeded", "InProgress") and _approved(stack, first), timeout=30,
               what="the first run's approval to be taken")


def _approved(stack: OfflineStack, first: object) -> bool:
    details = stack.engine.call("ListActionExecutions", {
        "pipelineName": first.pipeline,  # type: ignore[attr-defined]
        "filter": {"pipelineExecutionId": first.execution_id}})  # type: ignore[attr-defined]
    return any(d["actionName"] == "ManualApproval" and d["status"] == "Succeeded"
               for d in details["actionExecutionDetails"])
