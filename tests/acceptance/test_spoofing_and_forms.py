"""Mails, pages and summaries cannot be spoofed by free text; links verify only in their
canonical encoding; only the review page's own form decides; a late rejection is kept; bad
input never gets a 5xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from greenlight.links import read_link
from greenlight.review import issue_form_token
from local.offline import LOCAL_SIGNING_KEY
from local.stack import Mail, OfflineStack
from tests.acceptance.helpers import (
    ALICE,
    BOB,
    CAROL,
    HIDDEN,
    all_mails_about,
    approval_mails,
    approval_status,
    by_recipient,
    form_token_of,
    pipeline_named,
    post,
    role,
    start_as,
    summary_of,
)
from tests.acceptance.test_pinned_and_live import request_id_of, votes_of
from tests.offline import links_in, open_link, submit, wait_until

EVIL = "https://evil.example/approve"
LINE_BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c"]
OUR_LINES = ("Approve:", "Reject:", "Approved by", "Rejected by", "Your links")


def no_forged_line(mail: Mail) -> None:
    for line in mail.text.splitlines():
        if "evil.example" in line or "ciso@" in line:
            assert not line.lstrip().startswith(OUR_LINES), line
    for character in LINE_BREAKS[3:] + HIDDEN:
        assert character not in mail.text and character not in mail.html


@pytest.mark.parametrize("breaker", LINE_BREAKS)
def test_customdata_cannot_put_a_fake_link_line_in_the_approval_mail(
        stack: OfflineStack, name: str, breaker: str) -> None:
    custom = f"Release 7{breaker}{breaker}Approve: {EVIL}{breaker}Reject: {EVIL}"
    pipeline = pipeline_named(stack, f"quorum-spoof-{name}", custom)
    start_as(stack, pipeline, role("build-4", "ci"))
    for mail in approval_mails(stack, pipeline):
        no_forged_line(mail)
        lines = [line for line in mail.text.splitlines() if line.strip()]
        approve_lines = [i for i, line in enumerate(lines) if line.startswith("Approve:")]
        assert len(approve_lines) == 1 and EVIL not in lines[approve_lines[0]]
        # The genuine links come before anything the run's text says.
        details = next(i for i, line in enumerate(lines) if "Release 7" in line)
        assert approve_lines[0] < details


def test_hidden_characters_never_reach_mails_pages_or_the_summary(
        stack: OfflineStack, name: str) -> None:
    hidden = "".join(HIDDEN)
    pipeline = pipeline_named(stack, f"quorum-bidi-{name}", f"Rel{hidden}ease 7 \u202egnp.exe")
    stack.engine.start_execution(pipeline, source_revision={
        "commitId": "abcdef1234567890abcdef1234567890abcdef12", "branch": f"ma{hidden}in",
        "message": f"Fix{hidden} \u202elogin", "author": "Mallory"})
    mails = by_recipient(approval_mails(stack, pipeline))
    for mail in mails.values():
        no_forged_line(mail)
    page = open_link(links_in(mails[ALICE])["Approve"])
    assert page.status_code == 200
    for character in HIDDEN:
        assert character not in page.text
    assert submit(links_in(mails[ALICE])["Approve"], f"ok{hidden}\u202e fine").status_code == 200
    assert submit(links_in(mails[BOB])["Approve"], "\u2066ship\u2069 it").status_code == 200
    wait_until(lambda: approval_status(stack, pipeline) == "Succeeded", what="approved")
    summary = summary_of(stack, pipeline)
    assert summary and not any(c in summary for c in HIDDEN)
    for mail in all_mails_about(stack, pipeline):
        for character in HIDDEN:
            assert character not in mail.text and character not in mail.html


@pytest.mark.parametrize("breaker", ["\n", "\r\n", "\u2028", "\u0085"])
def test_a_multi_line_comment_cannot_forge_lines_in_outcome_mails_or_the_summary(
        stack: OfflineStack, name: str, breaker: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-comment-{name}")
    start_as(stack, pipeline, role("build-5", "ci"))
    mails = by_recipient(approval_mails(stack, pipeline))
    forged = f"LGTM{breaker}Approved by ciso@example.com{breaker}Approve: {EVIL}"
    assert submit(links_in(mails[ALICE])["Approve"], forged).status_code == 200
    assert submit(links_in(mails[BOB])["Approve"], "fine").status_code == 200
    wait_until(lambda: approval_status(stack, pipeline) == "Succeeded", what="approved")
    summary = summary_of(stack, pipeline)
    assert not any(b in summary for b in LINE_BREAKS), repr(summary)
    outcome = [m for m in all_mails_about(stack, pipeline)
               if not m.subject.startswith("Approval needed")]
    assert outcome
    for mail in outcome:
        no_forged_line(mail)


# --- signatures ---

def variants(url: str) -> list[str]:
    base, signed = url.rsplit("/", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = signed[-1]
    position = alphabet.index(last)
    flipped = [alphabet[(position & ~3) | bits] for bits in range(4)]
    out = [signed[:-1] + c for c in flipped if c != last]
    out += [signed + "=", signed + "==", signed + ".", signed.replace(".", "..", 1),
            " " + signed, signed + "%0a", signed.replace("-", "+").replace("_", "/")]
    return [f"{base}/{v}" for v in out if v != signed]


def test_another_encoding_of_a_genuine_link_is_refused(stack: OfflineStack, name: str) -> None:
    pipeline = pipeline_named(stack, f"quorum-canon-{name}")
    start_as(stack, pipeline, role("build-6", "ci"))
    mails = by_recipient(approval_mails(stack, pipeline))
    genuine = links_in(mails[ALICE])["Approve"]
    token = form_token_of(open_link(genuine))
    for variant in variants(genuine):
        got = open_link(variant)
        assert got.status_code in (400, 403, 404), (variant[-8:], got.status_code)
        assert post(variant, token, "ok").status_code in (400, 403, 404)
    assert votes_of(stack, request_id_of(genuine)) == {}


# --- form tokens ---

@pytest.fixture
def waiting(stack: OfflineStack, name: str) -> tuple[str, dict[str, Mail]]:
    pipeline = pipeline_named(stack, f"quorum-form-{name}")
    start_as(stack, pipeline, role("build-7", "ci"))
    return pipeline, by_recipient(approval_mails(stack, pipeline))


def nothing_decided(stack: OfflineStack, pipeline: str, url: str) -> None:
    assert votes_of(stack, request_id_of(url)) == {}
    assert approval_status(stack, pipeline) == "InProgress"


def test_a_post_without_a_form_token_decides_nothing(
        stack: OfflineStack, waiting: tuple[str, dict[str, Mail]]) -> None:
    pipeline, mails = waiting
    url = links_in(mails[ALICE])["Approve"]
    for token in (None, "", "x", "a" * 5000):
        assert post(url, token, "ok").status_code in (400, 403)
    nothing_decided(stack, pipeline, url)


def test_a_form_token_of_another_link_or_decision_decides_nothing(
        stack: OfflineStack, waiting: tuple[str, dict[str, Mail]]) -> None:
    pipeline, mails = waiting
    url = links_in(mails[ALICE])["Approve"]
    others = [links_in(mails[BOB])["Approve"], links_in(mails[ALICE])["Reject"],
              links_in(mails[CAROL])["Reject"]]
    for other in others:
        token = form_token_of(open_link(other))
        assert token
        assert post(url, token, "ok").status_code in (400, 403)
    nothing_decided(stack, pipeline, url)


def test_an_old_form_token_decides_nothing(
        stack: OfflineStack, waiting: tuple[str, dict[str, Mail]]) -> None:
    pipeline, mails = waiting
    url = links_in(mails[ALICE])["Approve"]
    signed = url.rsplit("/", 1)[1]
    claims = read_link(signed, [LOCAL_SIGNING_KEY], datetime.now(UTC))
    old = issue_form_token(signed, claims.decision, [LOCAL_SIGNING_KEY],
                           datetime.now(UTC) - timedelta(minutes=31))
    assert post(url, old, "ok").status_code in (400, 403)
    nothing_decided(stack, pipeline, url)


@pytest.mark.parametrize("site", ["cross-site", "same-site", "CROSS-SITE", "cross-site, none"])
def test_a_cross_site_post_decides_nothing_even_with_a_valid_token(
        stack: OfflineStack, waiting: tuple[str, dict[str, Mail]], site: str) -> None:
    pipeline, mails = waiting
    url = links_in(mails[ALICE])["Approve"]
    token = form_token_of(open_link(url))
    assert post(url, token, "ok", {"Sec-Fetch-Site": site}).status_code in (400, 403)
    nothing_decided(stack, pipeline, url)


@pytest.mark.parametrize("site", [None, "same-origin", "none"])
def test_a_post_from_the_page_itself_decides(
        stack: OfflineStack, waiting: tuple[str, dict[str, Mail]], site: str | None) -> None:
    _pipeline, mails = waiting
    url = links_in(mails[ALICE])["Approve"]
    token = form_token_of(open_link(url))
    headers = {"Sec-Fetch-Site": site} if site else {}
    assert post(url, token, "ok", headers).status_code == 200
    assert ALICE in votes_of(stack, request_id_of(url))


# --- a rejection while a decision is being submitted ---

def test_a_rejection_while_deciding_is_recorded(
        stack: OfflineStack, waiting: tuple[str, dict[str, Mail]]) -> None:
    _pipeline, mails = waiting
    assert submit(links_in(mails[ALICE])["Approve"], "ok").status_code == 200
    url = links_in(mails[CAROL])["Reject"]
    request_id = request_id_of(url)
    token = form_token_of(open_link(url))
    # A submission in flight, as a vote that completed the quorum leaves the request.
    stack.table.update_item(Key={"request_id": request_id}, UpdateExpression="SET #s = :d",
                            ExpressionAttributeNames={"#s": "status"},
                            ExpressionAttributeValues={":d": "deciding"})
    page = post(url, token or "", "the canary is red")
    assert page.status_code < 500
    votes = votes_of(stack, request_id)
    assert CAROL in votes and votes[CAROL]["decision"] == "reject"


# --- bad input ---

@pytest.mark.parametrize("suffix", [
    "", "%00", "..%2f..%2fetc%2fpasswd", "a" * 9000, "%ff%fe", ".", "..", ".e30.", "\u202e",
    "eyJ9.x.y", ".eJwLycxLTQEABXkBVw.aaaa",
])
def test_bad_links_never_get_a_5xx(stack: OfflineStack, suffix: str) -> None:
    url = f"{stack.api_url}/approvals/{suffix}"
    for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"):
        got = requests.request(method, url, data=b"\xff\xfe" * 10, timeout=10,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert got.status_code < 500, (method, suffix[:20], got.status_code)


def test_bad_form_bodies_never_get_a_5xx(
        stack: OfflineStack, waiting: tuple[str, dict[str, Mail]]) -> None:
    pipeline, mails = waiting
    url = links_in(mails[ALICE])["Approve"]
    bodies = [(b"\xff\xfe\x00", "application/x-www-form-urlencoded"),
              (b"comment=" + b"x" * 200_000, "application/x-www-form-urlencoded"),
              (b'{"comment": "ok"}', "application/json"),
              (b"--b\r\nContent-Disposition: form-data; name=comment\r\n\r\nx\r\n--b--",
               "multipart/form-data; boundary=b"),
              (b"comment=%ZZ&form_token=%", "application/x-www-form-urlencoded"),
              (b"comment=a&comment=b&form_token=x&form_token=y",
               "application/x-www-form-urlencoded"),
              (b"", "text/plain")]
    for body, content_type in bodies:
        got = requests.post(url, data=body, headers={"Content-Type": content_type}, timeout=10)
        assert got.status_code < 500, (body[:30], got.status_code)
    nothing_decided(stack, pipeline, url)
