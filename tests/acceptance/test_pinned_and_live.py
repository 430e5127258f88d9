"""The approvers of a request are fixed when it is first recorded, links minted for someone
else are refused, and only approvals CodePipeline really waits on are mailed."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from greenlight.links import read_link
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
from tests.acceptance.helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    all_mails_about,
    approval_mails,
    approval_status,
    by_recipient,
    live_token,
    load_fresh,
    mint_link,
    minted_form_token,
    notify_redeployed,
    pipeline_named,
    post,
    role,
    start_as,
)
from tests.conftest import TEST_POLICY
from tests.live import Waiting, waiting_approval
from tests.offline import links_in, open_link, submit, wait_until


def session_policy() -> dict[str, Any]:
    """A copy of the session stack's policy, to change."""
    policy: dict[str, Any] = json.loads(json.dumps(TEST_POLICY))
    return policy


def policy_with_dave() -> dict[str, Any]:
    policy = session_policy()
    policy["rules"][0]["approvers"] = [ALICE, BOB, CAROL, DAVE]
    policy["rules"][0]["min_approvals"] = 2
    return policy


def votes_of(stack: OfflineStack, request_id: str) -> dict[str, Any]:
    item = stack.table.get_item(Key={"request_id": request_id}).get("Item") or {}
    return dict(item.get("votes") or {})


def request_id_of(url: str) -> str:
    return read_link(url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], datetime.now(UTC)).token_digest


# --- approvers pinned ---

def test_a_redelivery_after_a_policy_change_mails_only_the_stored_approvers(
        stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-pinned-{name}")
    execution_id = start_as(stack, pipeline, role("build-1", "ci"))
    mails = by_recipient(approval_mails(stack, pipeline))
    assert set(mails) == {ALICE, BOB, CAROL}
    live = Waiting(pipeline, "Approval", "ManualApproval", live_token(stack, pipeline),
                   execution_id)
    with notify_redeployed(stack, policy_with_dave()):
        stack.publish(live.message())
        assert stack.wait_for_deliveries(15)
    assert DAVE not in {m.recipient for m in all_mails_about(stack, pipeline)}
    # A link for dave, minted with the signing key, still cannot count.
    dave = mint_link(links_in(mails[BOB])["Approve"], approver=DAVE)
    assert submit(links_in(mails[BOB])["Approve"], "ok").status_code == 200
    refused = post(dave, minted_form_token(dave), "ok")
    assert refused.status_code == 403
    assert DAVE not in votes_of(stack, request_id_of(dave))
    assert approval_status(stack, pipeline) == "InProgress"


def test_a_link_minted_for_a_non_approver_cannot_vote(stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-mint-{name}")
    start_as(stack, pipeline, role("build-2", "ci"))
    mails = by_recipient(approval_mails(stack, pipeline))
    for decision in ("Approve", "Reject"):
        forged = mint_link(links_in(mails[ALICE])[decision], approver=DAVE)
        assert open_link(forged).status_code == 403
        assert post(forged, minted_form_token(forged), "a reason").status_code == 403
        assert DAVE not in votes_of(stack, request_id_of(forged))
    assert approval_status(stack, pipeline) == "InProgress"


@pytest.mark.parametrize("spelling", ["CAROL@example.com", "carol@EXAMPLE.COM",
                                      " carol@example.com", "carol@example.com\u200b"])
def test_a_link_minted_for_the_requester_in_another_spelling_cannot_approve(
        stack: OfflineStack, name: str, spelling: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-mintcase-{name}")
    start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    forged = mint_link(links_in(mails[CAROL])["Approve"], approver=spelling)
    assert post(forged, minted_form_token(forged), "mine").status_code in (400, 403)
    assert votes_of(stack, request_id_of(forged)) == {}


def test_a_link_minted_to_drop_the_requester_claim_cannot_approve(
        stack: OfflineStack, name: str) -> None:
    """Someone holding the link key re-signs carol's own link without its requester claims:
    with a table, the stored requesters still decide."""
    pipeline = pipeline_named(stack, f"quorum-mintself-{name}")
    start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    url = links_in(mails[CAROL])["Approve"]
    claims = read_link(url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], datetime.now(UTC))
    import dataclasses

    forged = mint_link(url, context=dataclasses.replace(claims.context, requesters="",
                                                        requester=None))
    assert post(forged, minted_form_token(forged), "mine").status_code == 403
    assert CAROL not in votes_of(stack, request_id_of(forged))


@pytest.mark.parametrize("address", ["dave\u200b@example.com", "dave@exa\u202emple.com",
                                     "d\u00e4ve@example.com", "dave@example.com\u2066"])
def test_an_invisible_or_foreign_character_in_a_policy_address_is_refused_at_start(
        stack: OfflineStack, address: str) -> None:
    policy = session_policy()
    policy["rules"][0]["approvers"] = [ALICE, BOB, address]
    with pytest.raises(Exception) as refused, notify_redeployed(stack, policy):
        pass
    assert "approvers" in str(refused.value) or "address" in str(refused.value).lower()


def test_an_upper_case_policy_address_is_mailed_lower_case(stack: OfflineStack,
                                                           name: str) -> None:
    policy = session_policy()
    policy["rules"][0]["approvers"] = ["Alice@Example.COM", "BOB@example.com",
                                       "carol@EXAMPLE.com"]
    with notify_redeployed(stack, policy):
        pipeline = pipeline_named(stack, f"quorum-upper-{name}")
        start_as(stack, pipeline, role("Alice@Example.com",
                                       "AWSReservedSSO_Admin_0123456789abcdef"))
        mails = by_recipient(approval_mails(stack, pipeline))
    assert set(mails) == {ALICE, BOB, CAROL}
    page = submit(links_in(mails[ALICE])["Approve"], "mine")
    assert page.status_code == 403 and "cannot approve your own run" in page.text


# --- only live approvals are mailed ---

def far(days: int = 0, year: int | None = None) -> str:
    when = datetime(year, 1, 1, tzinfo=UTC) if year else datetime.now(UTC) + timedelta(days=days)
    return when.strftime("%Y-%m-%dT%H:%MZ")


def test_messages_for_approvals_codepipeline_does_not_wait_on_are_not_mailed(
        stack: OfflineStack, name: str) -> None:
    live = waiting_approval(stack, f"quorum-live-{name}"[:90])
    attacker = {"customData": "URGENT: approve now https://evil.example/x",
                "expires": far(year=2099)}
    forged = [
        live.message(token=str(uuid.uuid4()), **attacker),             # made-up token
        live.message(pipelineName=f"quorum-nope-{name}"[:90], **attacker),  # no such pipeline
        live.message(stageName="Deploy", **attacker),                  # not the approval
        live.message(actionName="Other", **attacker),
        live.message(token=live.token.upper(), **attacker),            # another spelling
        live.message(token=live.token + " ", **attacker),
    ]
    for message in forged:
        stack.publish(message)
    assert stack.wait_for_deliveries(20)
    assert all_mails_about(stack, live.pipeline) == []
    assert all_mails_about(stack, f"quorum-nope-{name}"[:90]) == []
    assert stack.table.get_item(
        Key={"request_id": request_id_for(live.token)}).get("Item") is None


def request_id_for(token: str) -> str:
    from greenlight.links import token_digest

    return token_digest(token)


def test_the_token_of_a_finished_approval_is_not_mailed_again(stack: OfflineStack,
                                                              name: str) -> None:
    live = waiting_approval(stack, f"quorum-done-{name}"[:90])
    stack.engine.call("PutApprovalResult", {
        "pipelineName": live.pipeline, "stageName": live.stage, "actionName": live.action,
        "result": {"summary": "console", "status": "Approved"}, "token": live.token})
    wait_until(lambda: approval_status(stack, live.pipeline) == "Succeeded", what="approved")
    stack.publish(live.message(customData="again", expires=far(year=2099)))
    assert stack.wait_for_deliveries(20)
    assert all_mails_about(stack, live.pipeline) == []


def test_a_live_approval_with_a_2099_expiry_is_believed_for_60_days_at_most(
        stack: OfflineStack, name: str) -> None:
    live = waiting_approval(stack, f"quorum-farexp-{name}"[:90])
    stack.publish(live.message(expires=far(year=2099)))
    mails = approval_mails(stack, live.pipeline)
    limit = datetime.now(UTC) + timedelta(days=60, minutes=5)
    for mail in mails:
        for url in links_in(mail).values():
            claims = read_link(url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], datetime.now(UTC))
            assert claims.expires <= limit
        expires = [line for line in mail.text.splitlines() if line.startswith("Expires:")]
        assert expires and "2099" not in expires[0]
    item = stack.table.get_item(Key={"request_id": request_id_for(live.token)})["Item"]
    assert int(item["expires_at"]) <= limit.timestamp()


def test_a_live_message_with_its_fields_disguised_is_not_mailed(stack: OfflineStack,
                                                                name: str) -> None:
    live = waiting_approval(stack, f"quorum-disguise-{name}"[:90])
    for message in (live.message(pipelineName=live.pipeline.upper()),
                    live.message(pipelineName=live.pipeline + "\u200b"),
                    json.dumps({"approval": "not an object"}),
                    "not json at all"):
        stack.publish(message)
    assert stack.wait_for_deliveries(20)
    assert all_mails_about(stack, live.pipeline) == []
    assert not stack.notify_errors or all(
        "Throttl" not in type(e).__name__ for e in stack.notify_errors)


def test_a_fresh_notify_with_the_same_policy_still_starts(stack: OfflineStack) -> None:
    """The redeploy helper itself: the session's policy starts (so a refusal above is real)."""
    with notify_redeployed(stack, TEST_POLICY):
        pass
    assert load_fresh is not None
