"""Two of three: votes, the tally, self-approval, exactly one decision under concurrency,
and the mails that say what happened."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from greenlight.links import read_link
from greenlight.pipeline import NotPending
from greenlight.store import RequestClosed
from greenlight.voting import vote
from local.offline import LOCAL_SIGNING_KEY, LOCAL_VOTE_KEY
from local.stack import OfflineStack
from tests.conftest import CROWD
from tests.offline import (
    execution_status,
    links_in,
    load_pipeline,
    mails_for,
    open_link,
    run_to_approval,
    stage_statuses,
    submit,
    wait_until,
)

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


@pytest.fixture
def put_approval_results(stack: OfflineStack, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Successful PutApprovalResult calls the stand-in answered, by pipeline."""
    calls: Counter[str] = Counter()
    lock = threading.Lock()
    original = stack.engine.call

    def counting(operation: str, params: Any, **kwargs: Any) -> Any:
        response = original(operation, params, **kwargs)
        if operation == "PutApprovalResult":
            with lock:
                calls[params["pipelineName"]] += 1
        return response

    monkeypatch.setattr(stack.engine, "call", counting)
    return calls


def outcome_mails(stack: OfflineStack, pipeline: str) -> list[Any]:
    stack.collect_mails()
    return [m for m in stack.mails if pipeline in m.subject
            and not m.subject.startswith(("Approval needed", "Reminder"))]


def test_one_approval_of_two_needed_does_not_move_the_pipeline(
        stack: OfflineStack, quorum: str, put_approval_results: Counter[str]) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    assert sorted(m.recipient for m in approval.mails) == [ALICE, BOB, CAROL]
    page = submit(approval.link(ALICE, "Approve"), "LGTM")
    assert page.status_code == 200
    assert "Your approval is recorded" in page.text
    assert "1 of 2 approvals</strong>: alice@example.com at" in page.text
    assert "Waiting for: bob@example.com, carol@example.com" in page.text
    assert stage_statuses(stack, quorum)["Approval"] == "InProgress"
    assert put_approval_results[quorum] == 0

    review = open_link(approval.link(BOB, "Approve"))
    assert "1 of 2 approvals</strong>: alice@example.com at" in review.text

    done = submit(approval.link(BOB, "Approve"), "Ship it")
    assert done.status_code == 200 and "<h1>Approved</h1>" in done.text
    assert "2 of 2 approvals</strong>: alice@example.com at" in done.text
    wait_until(lambda: execution_status(stack, quorum, approval.execution_id) == "Succeeded",
               what="the run to succeed")
    assert put_approval_results[quorum] == 1
    state = stack.engine.call("GetPipelineState", {"name": quorum})
    summary = next(s for s in state["stageStates"] if s["stageName"] == "Approval"
                   )["actionStates"][0]["latestExecution"]["summary"]
    assert summary == ("Approved by alice@example.com, bob@example.com via Greenlight: "
                       "alice@example.com: LGTM; bob@example.com: Ship it")


def test_a_link_whose_approver_voted_shows_the_vote_without_a_form(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    assert submit(approval.link(ALICE, "Approve"), "yes").status_code == 200
    for url in (approval.link(ALICE, "Approve"), approval.link(ALICE, "Reject")):
        page = open_link(url)
        assert page.status_code == 200 and "already voted" in page.text
        assert "<form" not in page.text and "alice@example.com at" in page.text
        again = submit(url, "changed my mind")
        assert again.status_code == 409 and "<form" not in again.text
    assert stage_statuses(stack, quorum)["Approval"] == "InProgress"


def test_one_rejection_rejects_at_once(stack: OfflineStack, quorum: str,
                                       put_approval_results: Counter[str]) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    assert submit(approval.link(ALICE, "Approve"), "fine by me").status_code == 200
    page = submit(approval.link(CAROL, "Reject"), "The migration is not reversible")
    assert page.status_code == 200 and "<h1>Rejected</h1>" in page.text
    wait_until(lambda: execution_status(stack, quorum, approval.execution_id) == "Failed",
               what="the run to fail")
    assert put_approval_results[quorum] == 1
    late = submit(approval.link(BOB, "Approve"), "late")
    assert late.status_code == 409 and "already rejected" in late.text


def test_everyone_hears_the_outcome_once_with_who_and_why(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    submit(approval.link(ALICE, "Approve"), "Checked the canary")
    submit(approval.link(CAROL, "Approve"), "Fine")
    outcome = wait_until(lambda: len(m := outcome_mails(stack, quorum)) >= 4 and m,
                         what="outcome mails")
    assert sorted(m.recipient for m in outcome) == [
        ALICE, BOB, CAROL, "releases@example.com"]
    for mail in outcome:
        assert mail.subject == f"Approved: {quorum} / ManualApproval"
        assert "alice@example.com" in mail.text and "Checked the canary" in mail.text
        assert "carol@example.com" in mail.text
        assert "<a href" not in mail.html or "/approvals/" not in mail.html
    submit(approval.link(BOB, "Approve"), "late")
    assert len(outcome_mails(stack, quorum)) == 4


def test_an_approver_who_asked_for_the_run_cannot_approve_it(
        stack: OfflineStack, quorum: str) -> None:
    carols_client = stack.codepipeline_as("arn:aws:sts::123456789012:assumed-role/Admin/carol")
    execution_id = carols_client.start_pipeline_execution(name=quorum)["pipelineExecutionId"]
    mails = wait_until(lambda: len(m := mails_for(stack, quorum)) >= 3 and m,
                       what="approval mails")
    carol = next(m for m in mails if m.recipient == CAROL)
    assert "You asked for this run" in carol.text
    assert "Requested: arn:aws:sts::123456789012:assumed-role/Admin/carol" in carol.text
    links = links_in(carol)
    for response in (open_link(links["Approve"]), submit(links["Approve"], "mine")):
        assert response.status_code == 403
        assert "cannot approve your own run" in response.text
    assert stage_statuses(stack, quorum)["Approval"] == "InProgress"
    # Rejecting one's own run stays possible.
    assert submit(links["Reject"], "Wrong branch, sorry").status_code == 200
    wait_until(lambda: execution_status(stack, quorum, execution_id) == "Failed",
               what="the run to fail")


def test_a_requester_named_in_custom_data_is_recognised(stack: OfflineStack,
                                                         name: str) -> None:
    def change(declaration: dict[str, Any]) -> None:
        for stage in declaration["stages"]:
            for action in stage["actions"]:
                if action["actionTypeId"]["category"] == "Approval":
                    action["configuration"]["CustomData"] = "Release 7; requester: bob@example.com"

    pipeline = load_pipeline(stack, "seed-pipeline.json", f"quorum-cd-{name}"[:90], change)
    approval = run_to_approval(stack, pipeline, expected_mails=3)
    assert submit(approval.link(BOB, "Approve"), "me").status_code == 403
    assert submit(approval.link(ALICE, "Approve"), "ok").status_code == 200
    assert submit(approval.link(CAROL, "Approve"), "ok").status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")


def test_twenty_concurrent_votes_make_exactly_one_decision(
        stack: OfflineStack, name: str, put_approval_results: Counter[str]) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"crowd-{name}"[:90])
    approval = run_to_approval(stack, pipeline, expected_mails=len(CROWD))
    urls = [approval.link(approver, "Approve") for approver in CROWD]
    barrier = threading.Barrier(len(urls))

    def vote(url: str) -> int:
        barrier.wait()
        return submit(url, "go").status_code

    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        statuses = list(pool.map(vote, urls))
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")
    assert put_approval_results[pipeline] == 1
    assert all(status in (200, 409) for status in statuses), statuses
    record = stack.table.get_item(Key={"request_id": approval.request_id})["Item"]
    accepted = [s for s in statuses if s == 200]
    # Every vote that was accepted is on the record; none was lost.
    assert len(record["votes"]) == len(accepted) >= 2
    assert record["status"] == "approved"


def test_the_same_link_posted_twenty_times_counts_once(
        stack: OfflineStack, quorum: str, put_approval_results: Counter[str]) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    url = approval.link(ALICE, "Approve")
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: submit(url, "once").status_code, range(20)))
    assert statuses.count(200) == 1 and statuses.count(409) == 19
    record = stack.table.get_item(Key={"request_id": approval.request_id})["Item"]
    assert list(record["votes"]) == [ALICE] and record["status"] == "pending"
    assert put_approval_results[quorum] == 0


def test_twenty_votes_in_twenty_environments_at_once_make_one_decision(
        stack: OfflineStack, name: str, put_approval_results: Counter[str]) -> None:
    # The local API Gateway serves one request at a time, as one Lambda environment does;
    # here each vote runs on a thread with clients of its own, as in environments side by side.
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"crowd-env-{name}"[:90])
    approval = run_to_approval(stack, pipeline, expected_mails=len(CROWD))
    ballots = [read_link(approval.link(a, "Approve").rsplit("/", 1)[1], [LOCAL_SIGNING_KEY],
                         datetime.now(UTC)) for a in CROWD]
    barrier = threading.Barrier(len(ballots))

    def cast(claims: Any) -> str:
        session = boto3.session.Session()
        table = session.resource("dynamodb").Table(stack.table_name)
        codepipeline = session.client("codepipeline")
        barrier.wait()
        try:
            result = vote(claims, "go", codepipeline=codepipeline, table=table,
                          now=datetime.now(UTC), tell=lambda record: None,
                          vote_keys=[LOCAL_VOTE_KEY], seal_keys=[LOCAL_SIGNING_KEY])
        except (RequestClosed, NotPending):
            return "refused"
        return "decided" if result.decided else "recorded"

    with ThreadPoolExecutor(max_workers=len(ballots)) as pool:
        outcomes = list(pool.map(cast, ballots))
    assert outcomes.count("decided") == 1, outcomes
    assert put_approval_results[pipeline] == 1
    record = stack.table.get_item(Key={"request_id": approval.request_id})["Item"]
    assert len(record["votes"]) == outcomes.count("decided") + outcomes.count("recorded")
    assert record["status"] == "approved"
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")
