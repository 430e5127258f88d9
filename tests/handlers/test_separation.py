"""Who asked for a run, and separation of duties: runs started through real CodePipeline calls
as different principals, CustomData that names someone else, unknown requesters under
`separation: "required"`, approvers fixed at the first delivery, stateless mode, and a
rejection that arrives while a decision is being submitted."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from greenlight.announce import announce
from greenlight.audit import write_text
from greenlight.links import LinkClaims, read_link
from greenlight.policy import parse_policy
from greenlight.rendering import Templates
from greenlight.store import (
    NotAnApprover,
    SelfApproval,
    Vote,
    begin_decision,
    cast_vote,
    get_request,
    reopen_request,
    requests_for_pipeline,
)
from greenlight.voting import vote
from local.offline import LOCAL_SIGNING_KEY
from local.stack import Mail, OfflineStack
from tests.live import unwired, waiting_at_approval
from tests.offline import (
    execution_status,
    links_in,
    load_pipeline,
    mails_for,
    open_link,
    stage_statuses,
    submit,
    wait_until,
)

ACCOUNT = "123456789012"
ALICE, BOB, CAROL, DAVE = ("alice@example.com", "bob@example.com", "carol@example.com",
                           "dave@example.com")
SENDER = "greenlight@example.com"


def role(session: str, role_name: str = "Admin") -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session}"


def with_custom_data(text: str) -> Callable[[dict[str, Any]], None]:
    def change(declaration: dict[str, Any]) -> None:
        for stage in declaration["stages"]:
            for action in stage["actions"]:
                if action["actionTypeId"]["category"] == "Approval":
                    action["configuration"]["CustomData"] = text
    return change


def start_as(stack: OfflineStack, pipeline: str, principal: str) -> str:
    """StartPipelineExecution with the principal's own credentials, as the AWS CLI would."""
    client = stack.codepipeline_as(principal)
    return str(client.start_pipeline_execution(name=pipeline)["pipelineExecutionId"])


def approval_mails(stack: OfflineStack, pipeline: str, count: int = 3) -> dict[str, Mail]:
    mails = wait_until(lambda: len(m := mails_for(stack, pipeline)) >= count
                       and stack.wait_for_deliveries(0.01) and m,
                       what=f"{count} approval mails for {pipeline}")
    return {mail.recipient: mail for mail in mails}


def notices(stack: OfflineStack, pipeline: str) -> list[Mail]:
    stack.collect_mails()
    return [m for m in stack.mails
            if m.subject.startswith(f"Approval cannot be completed: {pipeline} /")]


def claims_of(url: str) -> LinkClaims:
    return read_link(url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], datetime.now(UTC))




def announce_directly(stack: OfflineStack, message: str, policy_document: dict[str, Any],
                      templates: Templates, table: Any) -> list[Mail]:
    """The notify flow with a policy of the test's own, on the stack's clients."""
    stack.collect_mails()
    before = len(stack.mails)
    announce(message, approvers=(ALICE,), sender=SENDER, keys=[LOCAL_SIGNING_KEY],
             api_url=stack.api_url, codepipeline=boto3.client("codepipeline"),
             sesv2=boto3.client("sesv2"), templates=templates, now=datetime.now(UTC),
             policy=parse_policy(json.dumps(policy_document)), table=table)
    stack.collect_mails()
    return stack.mails[before:]


# --- who asked for the run ---

def test_customdata_cannot_name_someone_else_as_requester(stack: OfflineStack,
                                                          name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"quorum-cd-{name}"[:90],
                             with_custom_data("Release 7; requester: bob@example.com"))
    execution_id = start_as(stack, pipeline, role("carol"))
    mails = approval_mails(stack, pipeline)
    assert "You asked for this run" in mails[CAROL].text
    assert "You asked for this run" in mails[BOB].text  # named in CustomData: kept out too
    assert "You asked for this run" not in mails[ALICE].text
    assert role("carol") in mails[ALICE].text
    for approver in (CAROL, BOB):
        page = submit(links_in(mails[approver])["Approve"], "mine")
        assert page.status_code == 403 and "cannot approve your own run" in page.text
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"
    assert execution_status(stack, pipeline, execution_id) == "InProgress"


def test_a_second_requester_note_is_refused(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(
        stack, "seed-pipeline.json", f"quorum-two-{name}"[:90],
        with_custom_data("Release requester: bob@example.com; requester: carol@example.com"))
    start_as(stack, pipeline, role("release-bot", "ci"))
    mails = approval_mails(stack, pipeline)
    assert "several requesters" in mails[ALICE].text
    # Not resolved by order: neither note is trusted, and neither named person may approve.
    for approver in (BOB, CAROL):
        assert open_link(links_in(mails[approver])["Approve"]).status_code == 403
        assert submit(links_in(mails[approver])["Approve"], "me").status_code == 403


@pytest.mark.parametrize(("principal", "approver"), [
    (role("Carol"), CAROL),
    (role("CAROL", "admin"), CAROL),
])
def test_a_session_name_in_another_case_is_still_the_requester(
        stack: OfflineStack, name: str, principal: str, approver: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"quorum-case-{name}"[:90])
    start_as(stack, pipeline, principal)
    mails = approval_mails(stack, pipeline)
    assert "You asked for this run" in mails[approver].text
    page = submit(links_in(mails[approver])["Approve"], "mine")
    assert page.status_code == 403 and "cannot approve your own run" in page.text


def test_an_identity_center_session_is_its_approver(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"quorum-sso-{name}"[:90])
    start_as(stack, pipeline, role("Bob@Example.com",
                                   "AWSReservedSSO_AdministratorAccess_0123456789abcdef"))
    mails = approval_mails(stack, pipeline)
    assert "You asked for this run" in mails[BOB].text
    assert submit(links_in(mails[BOB])["Approve"], "mine").status_code == 403


def test_an_iam_user_resolves_through_identities(stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"quorum-user-{name}"[:90])
    start_as(stack, pipeline, f"arn:aws:iam::{ACCOUNT}:user/people/Bob.Builder")
    mails = approval_mails(stack, pipeline)
    assert "You asked for this run" in mails[BOB].text
    assert submit(links_in(mails[BOB])["Approve"], "mine").status_code == 403
    assert submit(links_in(mails[CAROL])["Approve"], "ok").status_code == 200


# --- separation "required" ---

def test_an_unknown_requester_under_separation_needs_one_more_approval(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"separated-{name}"[:90])
    execution_id = start_as(stack, pipeline, role("build-7", "ci"))  # maps to nobody
    mails = approval_mails(stack, pipeline)
    for mail in mails.values():
        assert "needs 3 approvals from different approvers, one more than the rule's 2" \
            in mail.text
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    page = submit(links_in(mails[BOB])["Approve"], "ok")
    assert page.status_code == 200 and "2 of 3 approvals</strong>" in page.text
    assert "one approval more than the rule" in page.text
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"
    done = submit(links_in(mails[CAROL])["Approve"], "ok")
    assert done.status_code == 200 and "<h1>Approved</h1>" in done.text
    wait_until(lambda: execution_status(stack, pipeline, execution_id) == "Succeeded",
               what="the run to succeed")


def test_a_known_requester_under_separation_needs_the_usual_approvals(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"separated-known-{name}"[:90])
    execution_id = start_as(stack, pipeline, role("carol"))
    mails = approval_mails(stack, pipeline)
    assert "one more than" not in mails[ALICE].text
    assert submit(links_in(mails[CAROL])["Approve"], "mine").status_code == 403
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    assert submit(links_in(mails[BOB])["Approve"], "ok").status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, execution_id) == "Succeeded",
               what="the run to succeed")


def test_the_commit_author_is_the_requester_of_a_push(
        stack: OfflineStack, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = f"acme/{name}"[:80]

    def own_repository(declaration: dict[str, Any]) -> None:
        declaration["stages"][0]["actions"][0]["configuration"]["FullRepositoryId"] = repository

    pipeline = load_pipeline(stack, "seed-pipeline.json", f"separated-push-{name}"[:90],
                             own_repository)
    # CodePipeline's source actions report no author; a build that exports AuthorName
    # (CodeBuild exported-variables) tells it. The stand-in's builds export nothing, so its
    # answers get the variable the build would have exported.
    original = stack.engine.call

    def with_exported_author(operation: str, params: Any, **kwargs: Any) -> Any:
        response = original(operation, params, **kwargs)
        if operation == "ListActionExecutions" and params.get("pipelineName") == pipeline:
            for detail in response.get("actionExecutionDetails", []):
                if detail["actionName"] == "Build" and detail["status"] == "Succeeded":
                    detail.setdefault("output", {}).setdefault(
                        "outputVariables", {})["AuthorName"] = "Carol Jones"
        return response

    monkeypatch.setattr(stack.engine, "call", with_exported_author)
    [execution_id] = stack.engine.push(branch="main", repository=repository,
                                       author="Carol Jones", message="Add the checkout page")
    mails = approval_mails(stack, pipeline)
    assert "push to main by Carol Jones" in mails[ALICE].text
    assert "You asked for this run" in mails[CAROL].text
    assert "one more than" not in mails[ALICE].text  # the author is known: two approvals
    assert submit(links_in(mails[CAROL])["Approve"], "mine").status_code == 403
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    assert submit(links_in(mails[BOB])["Approve"], "ok").status_code == 200
    wait_until(lambda: execution_status(stack, pipeline, execution_id) == "Succeeded",
               what="the run to succeed")


def test_an_unmeetable_rule_is_reported_to_everyone(stack: OfflineStack, name: str) -> None:
    # Unknown principal (3 approvals needed) and CustomData naming bob: only 2 may approve.
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"separated-unmet-{name}"[:90],
                             with_custom_data("requester: bob@example.com"))
    start_as(stack, pipeline, role("build-8", "ci"))
    mails = approval_mails(stack, pipeline)
    assert "This approval cannot be completed" in mails[ALICE].text
    reported = wait_until(lambda: len(n := notices(stack, pipeline)) >= 4 and n,
                          what="the unmeetable-rule notices")
    assert sorted(m.recipient for m in reported) == [
        ALICE, BOB, CAROL, "releases@example.com"]
    assert "needs 3 approvals" in reported[0].text and "only 2 of its 3" in reported[0].text
    # It can still be rejected, and is reported only once.
    assert submit(links_in(mails[CAROL])["Reject"], "Cannot be approved as set up")\
        .status_code == 200
    assert len(notices(stack, pipeline)) == 4


# --- the approvers of a request are fixed when it is first recorded ---

def test_a_redelivery_after_a_policy_change_mails_only_the_stored_approvers(
        stack: OfflineStack, name: str, templates: Templates) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"fixed-{name}"[:90], unwired)
    waiting = waiting_at_approval(stack, pipeline, start_as(stack, pipeline, role("ci")))
    rule = {"match": {"pipeline": pipeline}, "approvers": [ALICE, BOB, CAROL],
            "min_approvals": 2}
    first = announce_directly(stack, waiting.message(), {"rules": [rule]}, templates,
                              stack.table)
    assert sorted(m.recipient for m in first) == [ALICE, BOB, CAROL]
    changed = {"rules": [rule | {"approvers": [ALICE, BOB, CAROL, DAVE]}]}
    assert announce_directly(stack, waiting.message(), changed, templates, stack.table) == []
    record = get_request(stack.table, claims_of(links_in(first[0])["Approve"]).token_digest)
    assert record is not None and record.approvers == (ALICE, BOB, CAROL)


def test_a_vote_by_someone_not_on_the_request_is_not_counted(stack: OfflineStack,
                                                             quorum: str) -> None:
    start_as(stack, quorum, role("ci"))
    mails = approval_mails(stack, quorum)
    request_id = claims_of(links_in(mails[ALICE])["Approve"]).token_digest
    for decision in ("approve", "reject"):
        with pytest.raises(NotAnApprover):
            cast_vote(stack.table, request_id,
                      Vote(DAVE, decision, "let me in", datetime.now(UTC)), decides=False)
    record = get_request(stack.table, request_id)
    assert record is not None and record.votes == {} and record.status == "pending"


def test_the_requesters_approval_is_refused_by_the_table_itself(stack: OfflineStack,
                                                                quorum: str) -> None:
    start_as(stack, quorum, role("carol"))
    mails = approval_mails(stack, quorum)
    request_id = claims_of(links_in(mails[ALICE])["Approve"]).token_digest
    with pytest.raises(SelfApproval):
        cast_vote(stack.table, request_id, Vote(CAROL, "approve", "", datetime.now(UTC)),
                  decides=False)


# --- without a table ---

def test_stateless_mode_refuses_the_requesters_approval(stack: OfflineStack, name: str,
                                                        templates: Templates) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"stateless-{name}"[:90], unwired)
    execution_id = start_as(stack, pipeline, role("Carol"))
    waiting = waiting_at_approval(stack, pipeline, execution_id)
    document = {"rules": [{"match": {"pipeline": pipeline}, "approvers": [ALICE, CAROL]}],
                "identities": {"carol": CAROL}}
    mails = {m.recipient: m for m in
             announce_directly(stack, waiting.message(), document, templates, None)}
    assert "You asked for this run" in mails[CAROL].text
    codepipeline = boto3.client("codepipeline")
    carol = claims_of(links_in(mails[CAROL])["Approve"])
    with pytest.raises(SelfApproval):
        vote(carol, "mine", codepipeline=codepipeline, table=None, now=datetime.now(UTC),
             tell=lambda record: None, vote_keys=[], seal_keys=[])
    assert stage_statuses(stack, pipeline)["Approval"] == "InProgress"
    alice = claims_of(links_in(mails[ALICE])["Approve"])
    assert vote(alice, "ok", codepipeline=codepipeline, table=None, now=datetime.now(UTC),
                tell=lambda record: None, vote_keys=[], seal_keys=[]).decided
    wait_until(lambda: execution_status(stack, pipeline, execution_id) == "Succeeded",
               what="the run to succeed")


# --- a rejection while a decision is being submitted ---

def test_a_rejection_during_a_decision_is_recorded(stack: OfflineStack, quorum: str) -> None:
    execution_id = start_as(stack, quorum, role("ci"))
    mails = approval_mails(stack, quorum)
    request_id = claims_of(links_in(mails[ALICE])["Approve"]).token_digest
    # An approval's submission is in flight (another vote won the move to `deciding`).
    assert begin_decision(stack.table, request_id)
    page = submit(links_in(mails[CAROL])["Reject"], "The migration is not reversible")
    assert page.status_code == 200 and "Your rejection is recorded" in page.text
    record = get_request(stack.table, request_id)
    assert record is not None and record.votes[CAROL].late
    trail = io.StringIO()
    write_text(requests_for_pipeline(stack.table, quorum), trail)
    assert ("carol@example.com  reject" in trail.getvalue()
            and "(while the decision was being submitted)" in trail.getvalue())
    # That submission did not go through: the request is pending again, and the recorded
    # rejection decides at the next sweep.
    reopen_request(stack.table, request_id)
    stack.invoke_remind()
    wait_until(lambda: execution_status(stack, quorum, execution_id) == "Failed",
               what="the run to be rejected")
