"""The approval flow through the local API Gateway: links from real mails, real pipelines."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import requests

from greenlight.links import read_link, sign_link
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
from tests.offline import (
    execution_status,
    load_pipeline,
    open_link,
    run_to_approval,
    stage_statuses,
    submit,
    superseded_at_the_approval,
    wait_until,
)

ALICE, BOB = "alice@example.com", "bob@example.com"
SECURITY_HEADERS = {"Content-Security-Policy", "Referrer-Policy", "Cache-Control",
                    "X-Content-Type-Options", "X-Frame-Options"}


def assert_secure(response: requests.Response) -> None:
    assert set(response.headers) >= SECURITY_HEADERS, response.headers
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_opening_an_approve_link_shows_a_form_and_decides_nothing(stack: OfflineStack,
                                                                   name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    url = approval.link(ALICE, "Approve")
    for _ in range(3):
        page = open_link(url)
        assert page.status_code == 200
        assert_secure(page)
        assert '<form method="post"' in page.text and ">Approve</button>" in page.text
        assert ALICE in page.text and pipeline in page.text
        assert requests.head(url, timeout=10).status_code == 200
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"
    assert stage_statuses(stack, pipeline)["Deploy"] == "None"


def test_approving_moves_the_pipeline_on_to_deploy(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    result = submit(approval.link(ALICE, "Approve"), "Ship it")
    assert result.status_code == 200, result.text
    assert_secure(result)
    assert "Approved" in result.text
    assert "Approved by alice@example.com via Greenlight: Ship it" in result.text
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")
    state = stack.engine.call("GetPipelineState", {"name": pipeline})
    approval_action = next(s for s in state["stageStates"] if s["stageName"] == "Approval")
    latest = approval_action["actionStates"][0]["latestExecution"]
    assert latest["summary"] == "Approved by alice@example.com via Greenlight: Ship it"


def test_rejecting_needs_a_reason_and_then_stops_the_run(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    url = approval.link(BOB, "Reject")
    empty = submit(url, "  ")
    assert empty.status_code == 400
    assert "reason" in empty.text and '<form method="post"' in empty.text
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"
    result = submit(url, "Payment retries need a load test first")
    assert result.status_code == 200 and "Rejected" in result.text
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Failed",
               what="the run to fail")
    assert stage_statuses(stack, pipeline)["Deploy"] == "None"


def test_a_second_decision_on_the_same_approval_is_refused(stack: OfflineStack,
                                                           name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    assert submit(approval.link(ALICE, "Approve")).status_code == 200
    for url in (approval.link(ALICE, "Approve"), approval.link(BOB, "Reject")):
        again = submit(url, "too late")
        assert again.status_code == 409
        assert "no longer pending" in again.text and "<form" not in again.text
        assert "already approved" in again.text
        assert open_link(url).status_code == 409


def test_a_tampered_link_is_forbidden(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    url = approval.link(ALICE, "Reject")
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    for response in (open_link(tampered), submit(tampered, "x" * 10)):
        assert response.status_code == 403
        assert "not valid" in response.text and "<form" not in response.text
        assert_secure(response)
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"


def test_an_expired_link_is_gone(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    url = approval.link(ALICE, "Approve")
    prefix, signed = url.rsplit("/", 1)
    claims = read_link(signed, [LOCAL_SIGNING_KEY], datetime.now(UTC))
    expired = sign_link(dataclasses.replace(
        claims, expires=datetime.now(UTC) - timedelta(minutes=1)), [LOCAL_SIGNING_KEY])
    for response in (open_link(f"{prefix}/{expired}"), submit(f"{prefix}/{expired}")):
        assert response.status_code == 410 and "expired" in response.text
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"


def test_a_stale_link_does_not_decide_the_newer_run(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    first = run_to_approval(stack, pipeline)
    # Someone stops the waiting run in the console; the next run gets a token of its own.
    stack.engine.call("StopPipelineExecution", {
        "pipelineName": pipeline, "pipelineExecutionId": first.execution_id, "abandon": True,
        "reason": "wrong build"})
    second = run_to_approval(stack, pipeline, already=len(first.mails))
    stale = first.link(ALICE, "Approve")
    assert open_link(stale).status_code == 409
    response = submit(stale, "old link")
    assert response.status_code == 409 and "no longer pending" in response.text
    assert execution_status(stack, pipeline, second.execution_id) == "InProgress"
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"
    assert submit(second.link(ALICE, "Approve")).status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, second.execution_id) == "Succeeded",
               what="the second run to succeed")


def test_a_run_superseded_at_the_approval_leaves_its_links_powerless(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    first, second = superseded_at_the_approval(stack, pipeline)
    for stale in (first.link(ALICE, "Approve"), first.link(BOB, "Reject")):
        assert open_link(stale).status_code == 409
        response = submit(stale, "old link")
        assert response.status_code == 409 and "newer run" in response.text
        assert "<form" not in response.text
    assert execution_status(stack, pipeline, second.execution_id) == "InProgress"
    assert submit(second.link(BOB, "Approve")).status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, second.execution_id) == "Succeeded",
               what="the second run to succeed")


def test_parallel_mode_approves_the_run_the_link_was_made_for(stack: OfflineStack,
                                                             name: str) -> None:
    pipeline = load_pipeline(stack, "parallel.json", name)
    first = run_to_approval(stack, pipeline)
    second = run_to_approval(stack, pipeline, already=len(first.mails))
    state = stack.engine.call("GetPipelineState", {"name": pipeline})
    assert all("token" not in a.get("latestExecution", {})
               for s in state["stageStates"] for a in s.get("actionStates", []))
    assert submit(second.link(ALICE, "Approve")).status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, second.execution_id) == "Succeeded",
               what="the second run to succeed")
    assert execution_status(stack, pipeline, first.execution_id) == "InProgress"
    assert submit(first.link(BOB, "Reject"), "Not this one").status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, first.execution_id) == "Failed",
               what="the first run to fail")


def test_two_approval_actions_each_need_their_own_link(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "two-approvers.json", name)
    approval = run_to_approval(stack, pipeline, expected_mails=4)
    actions = sorted({m.subject.rsplit("/ ", 1)[1] for m in approval.mails})
    assert len(actions) == 2
    assert submit(approval.link(ALICE, "Approve", actions[0])).status_code == 200
    statuses = stage_statuses(stack, pipeline)
    assert statuses["Approval"] == "InProgress" and statuses["Deploy"] == "None"
    # A link for the first action cannot decide the second one.
    assert submit(approval.link(BOB, "Approve", actions[0])).status_code == 409
    assert stage_statuses(stack, pipeline)["Deploy"] == "None"
    assert submit(approval.link(BOB, "Approve", actions[1])).status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")


def test_unknown_paths_and_methods_get_clear_pages(stack: OfflineStack) -> None:
    missing = requests.get(stack.api_url + "/nothing-here", timeout=10)
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert_secure(missing)
    put = requests.put(stack.api_url + "/approvals/abc", timeout=10)
    assert put.status_code == 405 and put.headers["Allow"] == "GET, HEAD, POST"
    huge = requests.post(stack.api_url + "/approvals/abc", data={"comment": "x" * 50_000},
                         timeout=10)
    assert huge.status_code == 403  # the link is checked first, and it is not valid


def test_an_oversized_form_on_a_valid_link_is_refused(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    response = submit(approval.link(ALICE, "Approve"), "x" * 50_000)
    assert response.status_code == 413
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"


def test_rotated_keys_keep_mailed_links_working(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    secrets = boto3.client("secretsmanager")
    new_key = "a-newer-signing-key-for-rotation-0123456789abcdef"
    secrets.put_secret_value(SecretId=stack.secret_arn,
                             SecretString=json.dumps([LOCAL_SIGNING_KEY, new_key]))
    try:
        stack.clear_caches()
        assert open_link(approval.link(ALICE, "Approve")).status_code == 200
        secrets.put_secret_value(SecretId=stack.secret_arn, SecretString=new_key)
        stack.clear_caches()
        assert open_link(approval.link(ALICE, "Approve")).status_code == 403
    finally:
        secrets.put_secret_value(SecretId=stack.secret_arn, SecretString=LOCAL_SIGNING_KEY)
        stack.clear_caches()





def test_customdata_and_commit_messages_are_escaped_on_pages(stack: OfflineStack,
                                                             name: str) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    def change(declaration: dict[str, Any]) -> None:
        for stage in declaration["stages"]:
            for action in stage["actions"]:
                if action["actionTypeId"]["category"] == "Approval":
                    action["configuration"]["CustomData"] = hostile

    pipeline = load_pipeline(stack, "seed-pipeline.json", name, change)
    approval = run_to_approval(stack, pipeline)
    assert all("<script>" not in m.html and "&lt;script&gt;" in m.html for m in approval.mails)
    page = open_link(approval.link(ALICE, "Approve"))
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;" in page.text
