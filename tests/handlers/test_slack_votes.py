"""Votes in Slack, through the decide function over HTTP, with the Slack stand-in sending what
Slack sends: signed clicks and modal submissions count as votes on the same request as the
mail links, everyone else is refused with nothing recorded, and the channel message shows
one state, whichever way the votes came."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from greenlight.audit import write_text
from greenlight.store import get_request
from local.slack.workspace import Message, User
from local.stack import OfflineStack
from tests.offline import (
    Approval,
    load_pipeline,
    open_link,
    run_to_approval,
    stage_statuses,
    submit,
    wait_until,
)

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
ALICE_ID, BOB_ID, CAROL_ID, MALLORY_ID = "U0ALICE01", "U0BOB0002", "U0CAROL03", "U0MALLORY"
TEAM = "T0GREENLT"
CHANNEL = "C0DEPLOYS"
APPROVE, REJECT = "greenlight_approve", "greenlight_reject"
# slack-*: two of three, posted with mentions; slackone-*: one of two.
SLACK_POLICY = {
    "rules": [
        {"name": "two in slack", "match": {"pipeline": "slack-*"},
         "approvers": [ALICE, BOB, CAROL], "min_approvals": 2,
         "slack": {"channel": CHANNEL, "mention": True}},
        {"name": "one in slack", "match": {"pipeline": "slackone-*"},
         "approvers": [ALICE, BOB], "slack": {"channel": CHANNEL}},
    ],
}
counter = iter(range(1, 10_000))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    environment = {"POWERTOOLS_METRICS_DISABLED": "true",
                   "APPROVAL_POLICY": json.dumps(SLACK_POLICY)}
    with OfflineStack(outbox=tmp_path_factory.mktemp("slack-outbox"), action_seconds=0.02,
                      extra_environment=environment, slack=True) as offline:
        yield offline


def waiting(stack: OfflineStack, prefix: str = "slackone", mails: int = 2,
            principal: str | None = None) -> Approval:
    name = load_pipeline(stack, "seed-pipeline.json", f"{prefix}-{next(counter)}")
    if principal is None:
        return run_to_approval(stack, name, expected_mails=mails)
    stack.codepipeline_as(principal).start_pipeline_execution(name=name)
    from tests.offline import mails_for

    found = wait_until(lambda: len(m := mails_for(stack, name)) >= mails
                       and stack.wait_for_deliveries(0.01) and m, what="approval mails")
    return Approval(name, "", found)


def workspace(stack: OfflineStack) -> Any:
    assert stack.slack_server is not None
    return stack.slack_server.workspace


def item(stack: OfflineStack, approval: Approval) -> dict[str, Any]:
    return dict(stack.table.get_item(Key={"request_id": approval.request_id},
                                     ConsistentRead=True)["Item"])


def message(stack: OfflineStack, approval: Approval) -> Message:
    post = wait_until(lambda: item(stack, approval).get("slack_post", {}).get("ts") and
                      item(stack, approval)["slack_post"], what="the channel message")
    found = workspace(stack).message(post["channel"], post["ts"])
    assert found is not None
    return found


def buttons(shown: Message) -> list[str]:
    return [e["action_id"] for b in shown.blocks if b["type"] == "actions"
            for e in b["elements"]]


def shown_text(shown: Message) -> str:
    return json.dumps(shown.blocks)


def click(stack: OfflineStack, user_id: str, shown: Message, action: str = APPROVE) -> Any:
    return stack.slack_interactions.click(user_id, shown.channel, shown.ts, action)


def vote_in_slack(stack: OfflineStack, user_id: str, shown: Message, action: str = APPROVE,
                  comment: str = "looks good") -> Any:
    before = set(workspace(stack).views)
    answer = click(stack, user_id, shown, action)
    assert answer.status == 200 and answer.body == b""
    (view,) = [v for v in workspace(stack).open_views_of(user_id) if v.id not in before]
    return stack.slack_interactions.submit(view.id, {"comment": {"comment": comment}})


def votes(stack: OfflineStack, approval: Approval) -> dict[str, Any]:
    return dict(item(stack, approval).get("votes") or {})


def deployed(stack: OfflineStack, approval: Approval) -> bool:
    return stage_statuses(stack, approval.pipeline).get("Deploy") == "Succeeded"


def summary_of(stack: OfflineStack, approval: Approval) -> str:
    return str(item(stack, approval).get("summary") or "")


def ephemerals_to(stack: OfflineStack, user_id: str) -> list[str]:
    return [e.text for e in workspace(stack).ephemerals if e.user == user_id]


def refused_quietly(stack: OfflineStack, approval: Approval, user_id: str,
                    action: str = APPROVE) -> str:
    """Click as `user_id`: Slack gets its 200, no modal opens, nothing is recorded; the
    private message that says why."""
    shown = message(stack, approval)
    told = len(ephemerals_to(stack, user_id))
    views = len(workspace(stack).views)
    answer = click(stack, user_id, shown, action)
    assert answer.status == 200
    assert len(workspace(stack).views) == views
    assert votes(stack, approval) == {}
    (why,) = ephemerals_to(stack, user_id)[told:]
    return why


def test_the_request_is_posted_once_with_buttons_that_carry_no_token(
        stack: OfflineStack) -> None:
    approval = waiting(stack, "slack", mails=3)
    shown = message(stack, approval)
    assert buttons(shown) == [APPROVE, REJECT]
    assert approval.pipeline in shown.text
    assert "0 of 2 approvals" in shown_text(shown)
    # Mentions of the approvers Slack knows by their address.
    assert all(f"<@{user}>" in shown_text(shown) for user in (ALICE_ID, BOB_ID, CAROL_ID))
    token = stack.engine.call("GetPipelineState", {"name": approval.pipeline})
    waiting_token = [a["latestExecution"].get("token") for s in token["stageStates"]
                     for a in s.get("actionStates", []) if a.get("latestExecution")]
    assert all(t and t not in shown_text(shown) for t in waiting_token if t)
    posts = [m for m in workspace(stack).messages[CHANNEL] if approval.pipeline in m.text]
    assert len(posts) == 1


def test_a_click_and_its_modal_count_a_vote_via_slack(stack: OfflineStack) -> None:
    approval = waiting(stack)
    answer = vote_in_slack(stack, BOB_ID, message(stack, approval), comment="ship it")
    assert answer.status == 200 and answer.body == b""
    wait_until(lambda: deployed(stack, approval), what="the deploy stage")
    bob = votes(stack, approval)[BOB]
    assert bob["decision"] == "approve" and bob["comment"] == "ship it"
    assert bob["identity"] == {"via": "slack", "slack_user_id": BOB_ID, "slack_team_id": TEAM}
    assert summary_of(stack, approval).startswith(
        "Approved by bob@example.com (via Slack) via Greenlight: ship it")
    # The message shows the outcome, without buttons.
    shown = message(stack, approval)
    assert buttons(shown) == [] and shown.text.startswith("Approved")
    out = io.StringIO()
    record = get_request(stack.table, approval.request_id)
    assert record is not None
    write_text([record], out)
    assert f"via Slack ({BOB_ID}, {TEAM})" in out.getvalue()


def test_a_click_signed_with_another_secret_gets_401_and_decides_nothing(
        stack: OfflineStack) -> None:
    approval = waiting(stack)
    shown = message(stack, approval)
    slack = stack.slack_interactions
    payload = slack.block_actions(ALICE_ID, shown.channel, shown.ts, APPROVE)
    views = len(workspace(stack).views)
    assert slack.send(slack.signed(payload, secret="not-the-signing-secret")).status == 401
    unsigned = slack.signed(payload)
    del unsigned.headers["X-Slack-Signature"]
    assert slack.send(unsigned).status == 401
    assert len(workspace(stack).views) == views and votes(stack, approval) == {}


def test_a_click_signed_long_ago_gets_401_and_decides_nothing(stack: OfflineStack) -> None:
    approval = waiting(stack)
    shown = message(stack, approval)
    slack = stack.slack_interactions
    payload = slack.block_actions(ALICE_ID, shown.channel, shown.ts, APPROVE)
    views = len(workspace(stack).views)
    assert slack.send(slack.signed(payload, timestamp=int(time.time()) - 600)).status == 401
    assert len(workspace(stack).views) == views and votes(stack, approval) == {}


def test_a_replayed_click_or_submission_gets_401(stack: OfflineStack) -> None:
    approval = waiting(stack, "slack", mails=3)
    shown = message(stack, approval)
    slack = stack.slack_interactions
    click_request = slack.signed(slack.block_actions(ALICE_ID, shown.channel, shown.ts, APPROVE))
    # Earlier tests on this stack may have left views of alice's open: only this one counts.
    earlier = set(workspace(stack).views)
    assert slack.send(click_request).status == 200
    views = len(workspace(stack).views)
    assert slack.send(click_request).status == 401
    assert len(workspace(stack).views) == views
    (view,) = [v for v in workspace(stack).open_views_of(ALICE_ID) if v.id not in earlier]
    submission = slack.signed(slack.view_submission(view, {"comment": {"comment": "ok"}}))
    assert slack.send(submission).status == 200
    assert set(votes(stack, approval)) == {ALICE}
    assert slack.send(submission).status == 401
    assert set(votes(stack, approval)) == {ALICE} and not deployed(stack, approval)


def test_a_slack_user_who_is_nobody_greenlight_knows_is_refused(stack: OfflineStack) -> None:
    stranger = workspace(stack).add_user(User("U0STRANGR", "stranger", None))
    approval = waiting(stack)
    assert "not an approver" in refused_quietly(stack, approval, stranger.id)


def test_a_slack_user_who_is_not_an_approver_is_refused(stack: OfflineStack) -> None:
    approval = waiting(stack)
    assert "not an approver" in refused_quietly(stack, approval, MALLORY_ID)
    assert "not an approver" in refused_quietly(stack, approval, CAROL_ID, REJECT)


def test_the_requester_cannot_approve_in_slack(stack: OfflineStack) -> None:
    carol_session = "arn:aws:sts::123456789012:assumed-role/Admin/carol@example.com"
    approval = waiting(stack, "slack", mails=3, principal=carol_session)
    assert "asked for this run" in refused_quietly(stack, approval, CAROL_ID)


def test_a_reject_without_a_reason_keeps_the_modal_open(stack: OfflineStack) -> None:
    approval = waiting(stack)
    answer = vote_in_slack(stack, ALICE_ID, message(stack, approval), REJECT, comment="")
    assert answer.status == 200
    assert answer.json()["response_action"] == "errors"
    assert "comment" in answer.json()["errors"]
    assert votes(stack, approval) == {}


def test_one_mail_vote_and_one_slack_vote_decide_two_of_three_once(
        stack: OfflineStack) -> None:
    approval = waiting(stack, "slack", mails=3)
    assert submit(approval.link(ALICE, "Approve"), "by mail").status_code == 200
    shown = message(stack, approval)
    assert "1 of 2 approvals" in shown_text(shown) and buttons(shown) == [APPROVE, REJECT]
    # The mail link's page shows the Slack vote once it is in.
    assert vote_in_slack(stack, BOB_ID, shown, comment="in slack").status == 200
    wait_until(lambda: deployed(stack, approval), what="the deploy stage")
    assert set(votes(stack, approval)) == {ALICE, BOB}
    summary = summary_of(stack, approval)
    assert summary.startswith("Approved by alice@example.com, bob@example.com (via Slack) via "
                              "Greenlight")
    results = stack.engine.call("ListActionExecutions", {"pipelineName": approval.pipeline})
    approvals = [e for e in results["actionExecutionDetails"]
                 if e["actionName"] == "ManualApproval" and e["status"] == "Succeeded"]
    assert len(approvals) == 1
    assert buttons(message(stack, approval)) == []


def test_a_slack_vote_shows_on_the_mail_links_page(stack: OfflineStack) -> None:
    approval = waiting(stack, "slack", mails=3)
    assert vote_in_slack(stack, BOB_ID, message(stack, approval)).status == 200
    page = open_link(approval.link(CAROL, "Approve"))
    assert page.status_code == 200 and BOB in page.text


def test_a_person_who_voted_by_mail_cannot_vote_again_in_slack(stack: OfflineStack) -> None:
    approval = waiting(stack, "slack", mails=3)
    assert submit(approval.link(ALICE, "Approve"), "by mail").status_code == 200
    shown = message(stack, approval)
    told = len(ephemerals_to(stack, ALICE_ID))
    views = len(workspace(stack).views)
    assert click(stack, ALICE_ID, shown).status == 200
    assert len(workspace(stack).views) == views
    assert "already voted" in ephemerals_to(stack, ALICE_ID)[told:][0]
    assert set(votes(stack, approval)) == {ALICE} and not deployed(stack, approval)


def test_a_mail_decision_updates_the_message_with_the_outcome(stack: OfflineStack) -> None:
    approval = waiting(stack)
    assert buttons(message(stack, approval)) == [APPROVE, REJECT]
    assert submit(approval.link(ALICE, "Reject"), "not today").status_code == 200
    shown = message(stack, approval)
    assert buttons(shown) == [] and shown.text.startswith("Rejected")
    assert "not today" in shown_text(shown)


def test_slack_down_during_notify_still_mails_everyone_and_the_sweep_posts_later(
        stack: OfflineStack) -> None:
    workspace(stack).fail_next("chat.postMessage", "service_unavailable")
    approval = waiting(stack)
    assert {m.recipient for m in approval.mails} == {ALICE, BOB}
    assert "slack_post" not in item(stack, approval)
    stack.invoke_remind()
    assert buttons(message(stack, approval)) == [APPROVE, REJECT]
