"""Who asked for a run, attacked from outside: CustomData notes of every spelling, several
notes, case variants of session names, Identity Center sessions and IAM users, the requester
voting through GET and POST, on both of two approval actions and after a redelivery."""

from __future__ import annotations

import re
from typing import Any

import pytest

from local.stack import OfflineStack
from tests.acceptance.helpers import (
    ALICE,
    BOB,
    CAROL,
    approval_mails,
    approval_status,
    by_recipient,
    pipeline_named,
    post,
    role,
    start_as,
    user,
)
from tests.live import Waiting
from tests.offline import links_in, load_pipeline, open_link, submit, wait_until

OWN_RUN = "cannot approve your own run"


def page_text(page: Any) -> str:
    body = page.text.split("</style>")[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))[:800]


def assert_cannot_approve(mail_links: dict[str, str]) -> None:
    page = open_link(mail_links["Approve"])
    assert page.status_code == 403 and OWN_RUN in page.text
    posted = submit(mail_links["Approve"], "it is mine")
    assert posted.status_code == 403 and OWN_RUN in posted.text


@pytest.mark.parametrize("custom_data", [
    "Release 7; requester: bob@example.com",
    "Release 7 Requester=bob@example.com",
    "Release 7, REQUESTER : bob@example.com",
    "Release 7\nrequester: bob@example.com",
    "Release 7 (requester:BOB@EXAMPLE.COM)",
])
def test_a_customdata_note_naming_someone_else_never_unblocks_the_principal(
        stack: OfflineStack, name: str, custom_data: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-note-{name}", custom_data)
    start_as(stack, pipeline, role("carol"))  # carol through identities
    mails = by_recipient(approval_mails(stack, pipeline))
    assert_cannot_approve(links_in(mails[CAROL]))
    # Named in CustomData, bob is kept out as well.
    assert_cannot_approve(links_in(mails[BOB]))
    page = submit(links_in(mails[ALICE])["Approve"], "fine")
    assert page.status_code == 200, page_text(page)
    assert approval_status(stack, pipeline) == "InProgress"


@pytest.mark.parametrize("custom_data", [
    "See https://ci.example/run?requester=bob@example.com",
    "Release 7 \u2028requester: bob@example.com",
    'Release 7; requester: "bob@example.com"',
])
def test_a_disguised_note_never_unblocks_the_principal(stack: OfflineStack, name: str,
                                                        custom_data: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-hidden-{name}", custom_data)
    start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    assert_cannot_approve(links_in(mails[CAROL]))


def test_two_requester_notes_trust_neither(stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(
        stack, f"quorum-twonotes-{name}",
        "Release requester: alice@example.com and requester: bob@example.com")
    start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    for approver in (ALICE, BOB, CAROL):
        assert_cannot_approve(links_in(mails[approver]))


def test_two_requester_notes_under_separation_need_one_more_approval(
        stack: OfflineStack, name: str) -> None:
    # The principal is unknown, and the two notes conflict: the requester is unknown.
    pipeline = pipeline_named(stack, f"separated-twonotes-{name}",
                              "requester: dave@example.com; requester: erin@example.com")
    start_as(stack, pipeline, role("build-9", "ci"))
    mails = by_recipient(approval_mails(stack, pipeline))
    for mail in mails.values():
        assert "needs 3 approvals" in mail.text
    page = open_link(links_in(mails[ALICE])["Approve"])
    assert "one approval more than the rule" in page.text or "needs 3 approvals" in page.text
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    tally = submit(links_in(mails[BOB])["Approve"], "ok")
    assert tally.status_code == 200 and "2 of 3 approvals" in page_text(tally)
    assert approval_status(stack, pipeline) == "InProgress"
    assert submit(links_in(mails[CAROL])["Approve"], "ok").status_code == 200
    wait_until(lambda: approval_status(stack, pipeline) == "Succeeded", what="approved")


def test_a_requester_named_through_a_pipeline_variable_is_kept_out(
        stack: OfflineStack, name: str) -> None:
    def declare(declaration: dict[str, Any]) -> None:
        declaration["variables"] = [{"name": "Requester", "defaultValue": "nobody"},
                                    {"name": "Release", "defaultValue": "0"}]
        for stage in declaration["stages"]:
            for action in stage["actions"]:
                if action["actionTypeId"]["category"] == "Approval":
                    action["configuration"]["CustomData"] = (
                        "Release #{variables.Release}; requester: #{variables.Requester}")
    pipeline = load_pipeline(stack, "seed-pipeline.json", f"quorum-var-{name}", declare)
    start_as(stack, pipeline, role("carol"), variables=[
        {"name": "Requester", "value": "bob@example.com"}, {"name": "Release", "value": "7"}])
    mails = by_recipient(approval_mails(stack, pipeline))
    assert "bob@example.com" in mails[ALICE].text
    assert_cannot_approve(links_in(mails[CAROL]))
    assert_cannot_approve(links_in(mails[BOB]))


@pytest.mark.parametrize(("principal", "approver"), [
    (role("CaRoL"), CAROL),
    (role("carol", "ADMIN"), CAROL),
    (role("Alice@Example.com", "AWSReservedSSO_Admin_0123456789abcdef"), ALICE),
    (role("ALICE@EXAMPLE.COM", "AWSReservedSSO_ReadOnly_fedcba9876543210"), ALICE),
    (role("Bob@Example.com"), BOB),  # an address as the session name, any role
    (user("carol"), CAROL),
    (user("Carol", "team/"), CAROL),
    (user("bob.builder"), BOB),
])
def test_the_principal_in_any_spelling_is_the_requester(stack: OfflineStack, name: str,
                                                        principal: str, approver: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-who-{name}")
    start_as(stack, pipeline, principal)
    mails = by_recipient(approval_mails(stack, pipeline))
    assert "You asked for this run" in mails[approver].text
    assert_cannot_approve(links_in(mails[approver]))


def test_the_requester_may_still_reject(stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-selfreject-{name}")
    start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    page = submit(links_in(mails[CAROL])["Reject"], "found a bug in my own change")
    assert page.status_code == 200
    wait_until(lambda: approval_status(stack, pipeline) == "Failed", what="rejected")


def test_the_requester_cannot_approve_with_a_form_token_of_a_page_they_did_see(
        stack: OfflineStack, name: str) -> None:
    """The requester opens their Reject page (which shows a form) and posts its token to
    their Approve link, then to the Approve link with no token at all."""
    pipeline = pipeline_named(stack, f"quorum-selftoken-{name}")
    start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    own = links_in(mails[CAROL])
    reject_page = open_link(own["Reject"])
    token = re.search(r'name="form_token" value="([^"]+)"', reject_page.text)
    assert token
    assert post(own["Approve"], token.group(1), "mine").status_code in (400, 403)
    assert post(own["Approve"], None, "mine").status_code in (400, 403)
    assert approval_status(stack, pipeline) == "InProgress"
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    assert approval_status(stack, pipeline) == "InProgress"


def test_the_requester_is_kept_out_of_both_of_two_approval_actions(
        stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-twoactions-{name}", example="two-approvers.json")
    start_as(stack, pipeline, role("carol"))
    mails = approval_mails(stack, pipeline, count=6)
    carol = [m for m in mails if m.recipient == CAROL]
    assert len(carol) == 2
    for mail in carol:
        assert_cannot_approve(links_in(mail))


def test_a_redelivered_message_does_not_let_the_requester_approve(
        stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-redeliver-{name}")
    execution_id = start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    state = stack.engine.call("GetPipelineState", {"name": pipeline})
    token = next(a["latestExecution"]["token"] for s in state["stageStates"]
                 for a in s.get("actionStates", []) if a["actionName"] == "ManualApproval")
    live = Waiting(pipeline, "Approval", "ManualApproval", token, execution_id)
    for _ in range(2):
        stack.publish(live.message(customData="requester: alice@example.com"))
    assert stack.wait_for_deliveries(15)
    assert_cannot_approve(links_in(mails[CAROL]))
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    assert approval_status(stack, pipeline) == "InProgress"
