"""Write access to the approvals table (or the link key) is not approval power: forged votes,
copied MACs, and a tampered request record never make a PutApprovalResult, from a click or
from the sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from greenlight.ballots import sign_vote
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
from tests.acceptance.helpers import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    approval_mails,
    approval_status,
    by_recipient,
    pipeline_named,
    role,
    start_as,
    summary_of,
)
from tests.acceptance.test_pinned_and_live import request_id_of, votes_of
from tests.offline import links_in, open_link, submit, wait_until


def forge_vote(stack: OfflineStack, request_id: str, approver: str, vote: dict[str, Any],
               *, deciding: bool = False) -> None:
    update = "SET votes.#a = :v"
    values: dict[str, Any] = {":v": vote}
    names = {"#a": approver}
    if deciding:
        update += ", #s = :d"
        values[":d"] = "deciding"
        names["#s"] = "status"
    stack.table.update_item(Key={"request_id": request_id}, UpdateExpression=update,
                            ExpressionAttributeNames=names, ExpressionAttributeValues=values)


def started(stack: OfflineStack, name: str, prefix: str) -> tuple[str, dict[str, Any]]:
    pipeline = pipeline_named(stack, f"quorum-{prefix}-{name}")
    start_as(stack, pipeline, role("build-3", "ci"))
    return pipeline, by_recipient(approval_mails(stack, pipeline))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def macs(request_id: str, genuine: dict[str, Any]) -> dict[str, str | None]:
    at = datetime.fromisoformat(now_iso())
    return {
        "none": None,
        "garbage": "not-a-mac",
        "copied from alice's vote": genuine.get("mac"),
        "made with the link key": sign_vote([LOCAL_SIGNING_KEY], request_id, BOB, "approve",
                                            at, "forged"),
    }


@pytest.mark.parametrize("kind", ["none", "garbage", "copied from alice's vote",
                                  "made with the link key"])
def test_forged_votes_never_approve(stack: OfflineStack, name: str, kind: str) -> None:
    pipeline, mails = started(stack, name, "forge")
    assert submit(links_in(mails[ALICE])["Approve"], "genuine").status_code == 200
    request_id = request_id_of(links_in(mails[ALICE])["Approve"])
    genuine = votes_of(stack, request_id)[ALICE]
    mac = macs(request_id, genuine)[kind]
    at = genuine["at"] if kind == "copied from alice's vote" else now_iso()
    comment = genuine["comment"] if kind == "copied from alice's vote" else "forged"
    vote = {"decision": "approve", "comment": comment, "at": at,
            **({"mac": mac} if mac else {})}
    forge_vote(stack, request_id, BOB, vote)
    stack.invoke_remind()
    open_link(links_in(mails[CAROL])["Approve"])
    stack.invoke_remind()
    assert approval_status(stack, pipeline) == "InProgress"
    # The genuine second approval completes it, and names only genuine approvers.
    done = submit(links_in(mails[CAROL])["Approve"], "genuine too")
    assert done.status_code == 200
    wait_until(lambda: approval_status(stack, pipeline) == "Succeeded", what="approved")
    summary = summary_of(stack, pipeline)
    assert BOB not in summary and ALICE in summary and CAROL in summary


def test_forged_votes_moved_to_deciding_are_put_back_and_never_submitted(
        stack: OfflineStack, name: str) -> None:
    pipeline, mails = started(stack, name, "forgedeciding")
    request_id = request_id_of(links_in(mails[ALICE])["Approve"])
    long_ago = (datetime.now(UTC) - timedelta(minutes=30)).isoformat(timespec="microseconds")
    forge_vote(stack, request_id, BOB, {"decision": "approve", "comment": "x", "at": long_ago,
                                        "mac": "forged"})
    forge_vote(stack, request_id, DAVE, {"decision": "approve", "comment": "x",
                                         "at": long_ago}, deciding=True)
    # The sweep leaves a `deciding` request alone for 5 minutes after its last genuine vote
    # (or its mail): a submission may be in flight. Age the request as if that time passed.
    stack.table.update_item(Key={"request_id": request_id}, UpdateExpression="SET sent_at = :t",
                            ExpressionAttributeValues={":t": long_ago})
    stack.invoke_remind()
    assert approval_status(stack, pipeline) == "InProgress"
    item = stack.table.get_item(Key={"request_id": request_id})["Item"]
    assert item["status"] == "pending"
    assert submit(links_in(mails[ALICE])["Approve"], "genuine").status_code == 200
    assert approval_status(stack, pipeline) == "InProgress"
    assert submit(links_in(mails[CAROL])["Approve"], "genuine").status_code == 200
    wait_until(lambda: approval_status(stack, pipeline) == "Succeeded", what="approved")
    assert BOB not in summary_of(stack, pipeline)


def test_a_forged_vote_for_someone_added_to_the_approvers_never_counts(
        stack: OfflineStack, name: str) -> None:
    pipeline, mails = started(stack, name, "forgeadd")
    request_id = request_id_of(links_in(mails[ALICE])["Approve"])
    stack.table.update_item(Key={"request_id": request_id},
                            UpdateExpression="SET approvers = list_append(approvers, :d)",
                            ExpressionAttributeValues={":d": [DAVE]})
    for who in (DAVE, BOB):
        forge_vote(stack, request_id, who, {"decision": "approve", "comment": "x",
                                            "at": now_iso()})
    stack.invoke_remind()
    assert approval_status(stack, pipeline) == "InProgress"


def test_a_forged_rejection_never_rejects(stack: OfflineStack, name: str) -> None:
    pipeline, mails = started(stack, name, "forgerej")
    request_id = request_id_of(links_in(mails[ALICE])["Approve"])
    forge_vote(stack, request_id, BOB, {"decision": "reject", "comment": "no",
                                        "at": now_iso(), "mac": "forged"})
    stack.invoke_remind()
    open_link(links_in(mails[ALICE])["Approve"])
    assert approval_status(stack, pipeline) == "InProgress"
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    assert approval_status(stack, pipeline) == "InProgress"


def test_a_lowered_quorum_in_the_table_does_not_let_one_approval_decide(
        stack: OfflineStack, name: str) -> None:
    pipeline, mails = started(stack, name, "forgequorum")
    request_id = request_id_of(links_in(mails[ALICE])["Approve"])
    stack.table.update_item(Key={"request_id": request_id},
                            UpdateExpression="SET min_approvals = :one, approvals_needed = :one",
                            ExpressionAttributeValues={":one": 1})
    submit(links_in(mails[ALICE])["Approve"], "one genuine approval")
    stack.invoke_remind()
    assert approval_status(stack, pipeline) == "InProgress"


def test_clearing_the_requesters_in_the_table_does_not_let_the_requester_approve(
        stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-forgeself-{name}")
    start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    request_id = request_id_of(links_in(mails[CAROL])["Approve"])
    stack.table.update_item(Key={"request_id": request_id},
                            UpdateExpression="SET requesters = :none REMOVE requester_approver",
                            ExpressionAttributeValues={":none": []})
    page = submit(links_in(mails[CAROL])["Approve"], "mine")
    assert page.status_code in (403, 409)  # refused: her own run, or a record altered
    assert approval_status(stack, pipeline) == "InProgress"


def test_table_write_alone_does_not_let_the_requester_approve_their_own_run(
        stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-forgeall-{name}")
    start_as(stack, pipeline, role("carol"))
    mails = by_recipient(approval_mails(stack, pipeline))
    request_id = request_id_of(links_in(mails[CAROL])["Approve"])
    stack.table.update_item(
        Key={"request_id": request_id},
        UpdateExpression="SET requesters = :none, min_approvals = :one, approvals_needed = :one"
                         " REMOVE requester_approver",
        ExpressionAttributeValues={":none": [], ":one": 1})
    submit(links_in(mails[CAROL])["Approve"], "mine, and no one else's")
    stack.invoke_remind()
    assert approval_status(stack, pipeline) == "InProgress"
