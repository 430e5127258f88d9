"""What the approver reads, in the mail and on the pages: what is needed, who started the
run, where it is in the console, the other decision, what a vote did, and times in UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urljoin

import requests

from greenlight.links import Decision, read_link
from local.offline import LOCAL_SIGNING_KEY
from local.stack import OfflineStack
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
LABELLED_UTC = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def title_and_heading(page: requests.Response) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", page.text, re.S)
    heading = re.search(r"<h1>(.*?)</h1>", page.text, re.S)
    assert title and heading, page.text
    return title.group(1), heading.group(1)


def switch_link_on(page: requests.Response) -> str | None:
    found = re.search(r'<p class="switch">.*?<a href="([^"]+)"', page.text, re.S)
    return urljoin(page.url, found.group(1)) if found else None


def test_the_mail_says_how_many_approvals_are_needed_and_who_else_was_asked(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    alice = next(m for m in approval.mails if m.recipient == ALICE)
    needed = ("2 approvals needed, from 3 approvers; also asked: bob@example.com, "
              "carol@example.com")
    assert needed in alice.text and needed in alice.html
    # Greenlight's own line comes after the links, before what CodePipeline reports.
    assert alice.text.index(links_in(alice)["Reject"]) < alice.text.index(needed)
    assert alice.text.index(needed) < alice.text.index("Pipeline:")
    bob = next(m for m in approval.mails if m.recipient == BOB)
    assert ("2 approvals needed, from 3 approvers; also asked: alice@example.com, "
            "carol@example.com") in bob.text


def test_the_mail_and_the_review_page_link_to_the_pipeline_in_the_console(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "seed-pipeline.json", name)
    approval = run_to_approval(stack, pipeline)
    mail = approval.mails[0]
    console = re.search(r"^Console:\s+(\S+)$", mail.text, re.M)
    assert console and console.group(1).startswith("https://")
    assert pipeline in console.group(1)
    assert f'<a href="{console.group(1)}">' in mail.html.replace("&amp;", "&")
    # The link carries it, signed: the review page shows the same address.
    claims = read_link(links_in(mail)["Approve"].rsplit("/", 1)[1], [LOCAL_SIGNING_KEY],
                       datetime.now(UTC))
    assert claims.context.console_link == console.group(1)
    page = open_link(links_in(mail)["Approve"])
    assert f'<a href="{console.group(1)}">' in page.text.replace("&amp;", "&")


def test_the_review_page_says_what_is_needed_and_who_started_the_run(
        stack: OfflineStack, quorum: str) -> None:
    carols_client = stack.codepipeline_as("arn:aws:sts::123456789012:assumed-role/Admin/carol")
    carols_client.start_pipeline_execution(name=quorum)
    mails = wait_until(lambda: len(m := mails_for(stack, quorum)) >= 3 and m,
                       what="approval mails")
    alice = next(m for m in mails if m.recipient == ALICE)
    page = open_link(links_in(alice)["Approve"])
    assert ("2 approvals needed, from 3 approvers; also asked: bob@example.com, "
            "carol@example.com") in page.text
    assert "Started by arn:aws:sts::123456789012:assumed-role/Admin/carol" in page.text


def test_the_review_page_offers_the_other_decision_which_still_needs_its_form(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    approve_page = open_link(approval.link(ALICE, "Approve"))
    reject_url = switch_link_on(approve_page)
    assert reject_url is not None
    claims = read_link(reject_url.rsplit("/", 1)[1], [LOCAL_SIGNING_KEY], datetime.now(UTC))
    assert (claims.approver, claims.decision) == (ALICE, Decision.REJECT)

    reject_page = open_link(reject_url)
    assert reject_page.status_code == 200 and "Reason for rejecting (required)" in reject_page.text
    assert stage_statuses(stack, quorum)["Approval"] == "InProgress"  # opening decided nothing
    refused = submit(reject_url, "")
    assert refused.status_code == 400 and "Please give a reason" in refused.text
    assert stage_statuses(stack, quorum)["Approval"] == "InProgress"
    # And back: the reject page offers the approve link again.
    back = switch_link_on(reject_page)
    assert back is not None and back.rsplit("/", 1)[1] == approval.link(
        ALICE, "Approve").rsplit("/", 1)[1]

    assert submit(reject_url, "Wrong build").status_code == 200
    wait_until(lambda: execution_status(stack, quorum, approval.execution_id) == "Failed",
               what="the run to fail")


def test_the_requester_is_not_offered_an_approve_link_on_the_reject_page(
        stack: OfflineStack, quorum: str) -> None:
    carols_client = stack.codepipeline_as("arn:aws:sts::123456789012:assumed-role/Admin/carol")
    carols_client.start_pipeline_execution(name=quorum)
    mails = wait_until(lambda: len(m := mails_for(stack, quorum)) >= 3 and m,
                       what="approval mails")
    carol = next(m for m in mails if m.recipient == CAROL)
    assert switch_link_on(open_link(links_in(carol)["Reject"])) is None
    alice = next(m for m in mails if m.recipient == ALICE)
    assert switch_link_on(open_link(links_in(alice)["Reject"])) is not None


def test_a_vote_that_does_not_decide_is_not_called_approved(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    page = submit(approval.link(ALICE, "Approve"), "LGTM")
    title, heading = title_and_heading(page)
    assert title.startswith("Vote recorded: 1 of 2 approvals")
    assert heading == "Vote recorded: 1 of 2 approvals"
    assert "Approved" not in title and "moves on to its next step" not in page.text

    done = submit(approval.link(BOB, "Approve"), "Ship it")
    assert title_and_heading(done) == ("Approved · Greenlight", "Approved")


def test_with_two_approval_actions_the_result_page_says_the_stage_still_waits(
        stack: OfflineStack, name: str) -> None:
    pipeline = load_pipeline(stack, "two-approvers.json", name)
    approval = run_to_approval(stack, pipeline, expected_mails=4)

    first = submit(approval.link(ALICE, "Approve", "SecurityApproval"))
    assert first.status_code == 200
    assert "moves on to its next step" not in first.text
    assert ("This approval is complete; the stage Approval waits for its other action "
            "(ReleaseApproval)") in first.text
    assert stage_statuses(stack, pipeline)["Deploy"] == "None"

    last = submit(approval.link(BOB, "Approve", "ReleaseApproval"))
    assert "moves on to its next step" in last.text and "waits for its other" not in last.text
    wait_until(lambda: execution_status(stack, pipeline, approval.execution_id) == "Succeeded",
               what="the run to succeed")


def test_already_voted_names_the_pipeline_and_what_was_voted(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    assert submit(approval.link(ALICE, "Approve"), "yes").status_code == 200
    page = open_link(approval.link(ALICE, "Reject"))
    assert page.status_code == 200 and "You have already voted" in page.text
    said = re.search(rf"You approved {re.escape(quorum)} \(Approval / ManualApproval\) on "
                     rf"({LABELLED_UTC.pattern}) with &#34;yes&#34;", page.text)
    assert said, page.text


def test_times_on_pages_and_in_mails_are_utc_and_say_so(
        stack: OfflineStack, quorum: str) -> None:
    approval = run_to_approval(stack, quorum, expected_mails=3)
    mail = approval.mails[0]
    expires = re.search(r"^Expires:\s+(.+)$", mail.text, re.M)
    assert expires and LABELLED_UTC.fullmatch(expires.group(1))
    page = submit(approval.link(ALICE, "Approve"))
    stamp = re.search(r'alice@example.com at <time datetime="(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:'
                      r'\d{2}Z)">(.+?)</time>', page.text)
    assert stamp and LABELLED_UTC.fullmatch(stamp.group(2))
    assert stamp.group(2) == datetime.strptime(stamp.group(1), "%Y-%m-%dT%H:%M:%SZ").strftime(
        "%Y-%m-%d %H:%M UTC")
    review = open_link(approval.link(BOB, "Approve"))
    assert re.search(r'Expires</th><td class="value"><time datetime="[^"]+Z">'
                     rf"{LABELLED_UTC.pattern}</time>", review.text)
