"""Driving the offline stack from tests: pipelines, runs to an approval, mails and links."""

from __future__ import annotations

import copy
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from greenlight.links import LinkExpired, LinkInvalid, read_link
from greenlight.review import issue_form_token
from local.offline import LOCAL_SIGNING_KEY
from local.stack import PIPELINES, Mail, OfflineStack


@dataclass
class Approval:
    """A pipeline run waiting at an approval, and the mails it produced."""

    pipeline: str
    execution_id: str
    mails: list[Mail]

    @property
    def request_id(self) -> str:
        """The key of this request in the approvals table (its token's digest)."""
        link = self.mails[0].html.split("/approvals/", 1)[1].split('"', 1)[0]
        return read_link(link, [LOCAL_SIGNING_KEY], datetime.now(UTC)).token_digest

    def link(self, approver: str, label: str, action: str | None = None) -> str:
        for mail in self.mails:
            if mail.recipient == approver and (action is None or f"/ {action}" in mail.subject):
                return links_in(mail)[label]
        raise AssertionError(f"no {label} link for {approver} / {action}")


def links_in(mail: Mail) -> dict[str, str]:
    found = re.findall(r'<a href="([^"]+)"[^>]*>(Approve|Reject)</a>', mail.html)
    return {label: url.replace("&amp;", "&") for url, label in found}


def load_pipeline(stack: OfflineStack, example: str, name: str,
                  change: Any = None) -> str:
    document = json.loads((PIPELINES / example).read_text(encoding="utf-8"))
    declaration = copy.deepcopy(document.get("pipeline", document))
    declaration["name"] = name
    if change:
        change(declaration)
    path = Path(stack.outbox or ".") / f"{name}.json"
    path.write_text(json.dumps({"pipeline": declaration}), encoding="utf-8")
    return stack.load_pipeline(path)


def wait_until(condition: Any, timeout: float = 15.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def stage_statuses(stack: OfflineStack, pipeline: str) -> dict[str, str]:
    state = stack.engine.call("GetPipelineState", {"name": pipeline})
    return {s["stageName"]: s.get("latestExecution", {}).get("status", "None")
            for s in state["stageStates"]}


def execution_status(stack: OfflineStack, pipeline: str, execution_id: str) -> str:
    return str(stack.engine.call("GetPipelineExecution", {
        "pipelineName": pipeline, "pipelineExecutionId": execution_id,
    })["pipelineExecution"]["status"])


def mails_for(stack: OfflineStack, pipeline: str) -> list[Mail]:
    stack.collect_mails()
    return [m for m in stack.mails if f"Approval needed: {pipeline} /" in m.subject]


def run_to_approval(stack: OfflineStack, pipeline: str, expected_mails: int = 2,
                    already: int = 0) -> Approval:
    execution_id = stack.engine.start_execution(pipeline)
    mails = wait_until(
        lambda: (m := mails_for(stack, pipeline)) and len(m) >= already + expected_mails
        and stack.wait_for_deliveries(0.01) and m,
        what=f"{expected_mails} approval mails for {pipeline}")
    return Approval(pipeline, execution_id, mails[already:])


def open_link(url: str) -> requests.Response:
    return requests.get(url, timeout=10)


def page_form_token(url: str) -> str:
    """The form token the link's review page carries now (the page must show its form)."""
    found = re.search(r'name="form_token" value="([^"]+)"', requests.get(url, timeout=10).text)
    assert found, f"no form on the page of {url}"
    return found.group(1)


def submit(url: str, comment: str = "", form_token: str | None = None) -> requests.Response:
    """Post the review page's form as a browser would: first open the page for its token.

    When the page shows no form (the vote is in, the run was superseded, AWS is down), the
    token stands for one an earlier visit got: issued for the link with the local key.
    """
    if form_token is None:
        page = requests.get(url, timeout=10)
        found = re.search(r'name="form_token" value="([^"]+)"', page.text)
        form_token = found.group(1) if found else ""
        signed = url.rsplit("/", 1)[1]
        try:
            claims = None if found else read_link(signed, [LOCAL_SIGNING_KEY], datetime.now(UTC))
        except (LinkInvalid, LinkExpired):
            claims = None  # refused for the link itself, before the token counts
        if claims is not None:
            form_token = issue_form_token(signed, claims.decision, [LOCAL_SIGNING_KEY],
                                          datetime.now(UTC))
    return requests.post(url, data={"comment": comment, "form_token": form_token}, timeout=10)


def superseded_at_the_approval(stack: OfflineStack, pipeline: str) -> tuple[Approval, Approval]:
    """Two runs where the second takes the waiting approval over from the first.

    AWS keeps a waiting approval's stage locked; the stand-in can also let a newer run take
    the approval over, the stricter case for stale links.
    """
    stack.engine.supersede_pending_approvals = True
    try:
        first = run_to_approval(stack, pipeline)
        second = run_to_approval(stack, pipeline, already=len(first.mails))
    finally:
        stack.engine.supersede_pending_approvals = False
    wait_until(lambda: execution_status(stack, pipeline, first.execution_id) == "Superseded",
               what="the first run to be superseded")
    return first, second
