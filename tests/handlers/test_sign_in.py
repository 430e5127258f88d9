"""Sign-in before a vote counts, through the decide function over HTTP, against a real OpenID
provider on loopback: every way a sign-in fails is a 4xx or a 503 page, and none decides."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from greenlight.audit import write_text
from greenlight.links import read_link
from greenlight.review import issue_form_token
from greenlight.store import get_request
from local.offline import LOCAL_SIGNING_KEY, LOCAL_VOTE_KEY
from local.stack import OfflineStack
from tests.offline import wait_until
from tests.sign_in import (
    ALICE,
    BOB,
    CAROL,
    SESSION_COOKIE,
    approval_status,
    deployed,
    new_browser,
    nothing_decided,
    query,
    set_cookies,
    sign_in_stack,
    signed_in,
    to_provider,
    vote,
    votes,
    waiting,
)

pytestmark = pytest.mark.oidc
FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


@pytest.fixture(scope="module")
def signin_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    yield from sign_in_stack(tmp_path_factory.mktemp("sign-in-outbox"))


@pytest.fixture
def stack(signin_stack: OfflineStack) -> Iterator[OfflineStack]:
    yield signin_stack
    signin_stack.time_offset = timedelta(0)


def cookie_named(cookies: list[str], name: str) -> str:
    (found,) = [c for c in cookies if c.startswith(f"{name}=")]
    return found


def test_a_link_under_a_sign_in_rule_sends_the_browser_to_the_provider(
        stack: OfflineStack) -> None:
    approval = waiting(stack)
    answer = to_provider(new_browser(), approval.link(ALICE, "Approve"))
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert stack.identity_provider is not None
    assert location.startswith(f"{stack.identity_provider.issuer}/auth?")
    asked = query(location)
    assert asked["response_type"] == "code"
    assert asked["client_id"] == stack.identity_provider.client_id
    assert asked["redirect_uri"] == f"{stack.api_url}/auth/callback"
    assert set(asked["scope"].split()) >= {"openid", "email"}
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"]
    assert asked["state"] and asked["nonce"] and asked["max_age"] == "900"
    (attempt,) = set_cookies(answer)
    assert "HttpOnly" in attempt and "Secure" in attempt and "SameSite=Lax" in attempt
    assert "Path=/Prod/auth/callback" in attempt
    assert nothing_decided(stack, approval)


def test_a_head_of_the_link_costs_no_sign_in_and_decides_nothing(stack: OfflineStack) -> None:
    approval = waiting(stack)
    answer = requests.head(approval.link(ALICE, "Approve"), allow_redirects=False, timeout=10)
    assert answer.status_code == 200
    assert "Location" not in answer.headers and "Set-Cookie" not in answer.headers
    assert nothing_decided(stack, approval)


def test_signed_in_votes_carry_the_identity_and_the_summary_says_how_each_was_verified(
        stack: OfflineStack) -> None:
    approval = waiting(stack)
    for approver, login in ((ALICE, "alice"), (BOB, "bob@example.com")):
        link = approval.link(approver, "Approve")
        callback = signed_in(stack, link, login)
        back = callback.deliver()
        assert back.status_code == 303 and back.headers["Location"] == link
        session = cookie_named(set_cookies(back), SESSION_COOKIE)
        assert all(flag in session for flag in ("HttpOnly", "Secure", "SameSite=Lax",
                                                "Path=/Prod"))
        assert vote(callback.browser, link).status_code == 200
    wait_until(lambda: deployed(stack, approval), what="Deploy to run")
    recorded = votes(stack, approval)
    assert stack.identity_provider is not None
    issuer = stack.identity_provider.issuer
    assert recorded[ALICE]["identity"]["issuer"] == issuer
    assert recorded[ALICE]["identity"]["sub"] == "5c1d7e0a-alice"
    assert recorded[BOB]["identity"]["email"] == BOB
    assert recorded[BOB]["identity"]["amr"] == ["pwd"] and recorded[BOB]["identity"]["auth_time"]
    record = get_request(stack.table, approval.request_id)
    assert record is not None and record.summary is not None
    host = issuer.removeprefix("http://")
    assert record.summary.startswith(f"Approved by {ALICE} (signed in via {host}), "
                                     f"{BOB} (signed in via {host}) via Greenlight")
    audit = io.StringIO()
    write_text([record], audit)
    assert f"signed in as {ALICE} via {issuer}" in audit.getvalue()


def test_an_altered_identity_in_the_table_no_longer_counts(stack: OfflineStack) -> None:
    approval = waiting(stack)
    link = approval.link(ALICE, "Approve")
    callback = signed_in(stack, link, "alice")
    callback.deliver()
    assert vote(callback.browser, link).status_code == 200
    stack.table.update_item(Key={"request_id": approval.request_id},
                            UpdateExpression="SET votes.#a.#i.#s = :sub",
                            ExpressionAttributeNames={"#a": ALICE, "#i": "identity", "#s": "sub"},
                            ExpressionAttributeValues={":sub": "someone-else"})
    record = get_request(stack.table, approval.request_id)
    assert record is not None
    assert record.verified([LOCAL_VOTE_KEY]).forged == (ALICE,)


def test_a_vote_without_a_session_is_refused_and_decides_nothing(stack: OfflineStack) -> None:
    approval = waiting(stack)
    link = approval.link(ALICE, "Approve")
    signed = link.rsplit("/", 1)[1]
    claims = read_link(signed, [LOCAL_SIGNING_KEY], datetime.now(UTC))
    token = issue_form_token(signed, claims.decision, [LOCAL_SIGNING_KEY], datetime.now(UTC))
    answer = requests.post(link, data={"comment": "no sign-in", "form_token": token},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 403
    assert "Sign in before you vote" in answer.text
    assert nothing_decided(stack, approval)


def test_a_session_for_another_approver_does_not_open_this_link(stack: OfflineStack) -> None:
    approval = waiting(stack)
    alices = signed_in(stack, approval.link(ALICE, "Approve"), "alice")
    alices.deliver()
    bobs_link = approval.link(BOB, "Approve")
    answer = alices.browser.get(bobs_link, allow_redirects=False, timeout=10)
    assert answer.status_code == 303  # off to sign in as bob
    refused = alices.browser.post(bobs_link, data={"comment": "as bob", "form_token": "x"},
                                  allow_redirects=False, timeout=10)
    assert refused.status_code in (400, 403)
    assert nothing_decided(stack, approval)


def test_signing_in_as_someone_else_on_a_link_is_refused_naming_both(
        stack: OfflineStack) -> None:
    approval = waiting(stack)
    callback = signed_in(stack, approval.link(ALICE, "Approve"), "mallory")
    answer = callback.deliver()
    assert answer.status_code == 403
    assert "mallory@example.com" in answer.text and ALICE in answer.text
    assert not any(c.startswith(f"{SESSION_COOKIE}=") for c in set_cookies(answer))
    assert nothing_decided(stack, approval)


def test_a_replayed_callback_is_refused_and_decides_nothing(stack: OfflineStack) -> None:
    approval = waiting(stack)
    callback = signed_in(stack, approval.link(CAROL, "Approve"), "carol")
    assert callback.deliver().status_code == 303
    callback.browser.cookies.clear()
    again = callback.deliver()
    assert again.status_code == 400
    assert votes(stack, approval) == {} and approval_status(stack, approval) == "InProgress"


def test_a_callback_finished_in_another_browser_is_refused(stack: OfflineStack) -> None:
    approval = waiting(stack)
    callback = signed_in(stack, approval.link(ALICE, "Approve"), "alice")
    answer = requests.get(callback.url, allow_redirects=False, timeout=10)
    assert answer.status_code == 400 and "same browser" in answer.text
    assert nothing_decided(stack, approval)


def test_a_tampered_state_or_a_bad_code_is_refused(stack: OfflineStack) -> None:
    approval = waiting(stack)
    callback = signed_in(stack, approval.link(ALICE, "Approve"), "alice")
    params = callback.params
    tampered = callback.url.replace(params["state"], params["state"][:-4] + "AAAA")
    assert callback.deliver(tampered).status_code == 400
    bad_code = re.sub(r"code=[^&]+", "code=not-a-code", callback.url)
    answer = callback.deliver(bad_code)
    assert answer.status_code == 400 and "already used or has expired" in answer.text
    assert nothing_decided(stack, approval)


def test_the_provider_being_down_is_a_503_and_decides_nothing(stack: OfflineStack) -> None:
    provider = stack.identity_provider
    assert provider is not None
    approval = waiting(stack)
    callback = signed_in(stack, approval.link(ALICE, "Approve"), "alice")
    port = int(provider.issuer.rsplit(":", 1)[1])
    provider.stop()
    try:
        answer = callback.deliver()
        assert answer.status_code == 503 and answer.headers["Retry-After"]
        stack.clear_caches()  # a fresh container, which must fetch the metadata first
        opened = to_provider(new_browser(), approval.link(BOB, "Approve"))
        assert opened.status_code == 503
    finally:
        provider.port = port
        provider.start()
        stack.clear_caches()
    assert nothing_decided(stack, approval)


def test_an_id_token_from_a_clock_ahead_beyond_the_leeway_is_refused(
        stack: OfflineStack) -> None:
    approval = waiting(stack)
    stack.time_offset = -timedelta(minutes=5)  # Greenlight's clock, behind the provider's
    callback = signed_in(stack, approval.link(ALICE, "Approve"), "alice")
    answer = callback.deliver()
    assert answer.status_code == 403 and "clock" in answer.text
    assert nothing_decided(stack, approval)


def test_an_id_token_that_expired_on_the_way_is_refused(stack: OfflineStack) -> None:
    approval = waiting(stack)
    callback = signed_in(stack, approval.link(ALICE, "Approve"), "alice")
    stack.time_offset = timedelta(minutes=8)  # the provider's ID tokens live five minutes
    answer = callback.deliver()
    assert answer.status_code == 403 and "expired" in answer.text
    assert nothing_decided(stack, approval)


def test_a_sign_in_older_than_the_rule_allows_cannot_vote_and_must_sign_in_again(
        stack: OfflineStack) -> None:
    approval = waiting(stack)
    link = approval.link(ALICE, "Approve")
    callback = signed_in(stack, link, "alice")
    callback.deliver()
    page = callback.browser.get(link, allow_redirects=False, timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token
    stack.time_offset = timedelta(minutes=16)
    late = callback.browser.post(link, data={"comment": "late", "form_token": token.group(1)},
                                 allow_redirects=False, timeout=10)
    assert late.status_code == 403 and "Sign in again" in late.text
    again = callback.browser.get(link, allow_redirects=False, timeout=10)
    assert again.status_code == 303 and query(again.headers["Location"])["prompt"] == "login"
    assert nothing_decided(stack, approval)


def test_a_rule_that_needs_mfa_refuses_a_password_sign_in(stack: OfflineStack) -> None:
    approval = waiting(stack, "mfa")
    refused = signed_in(stack, approval.link(ALICE, "Approve"), "alice").deliver()
    assert refused.status_code == 403
    assert nothing_decided(stack, approval)
    carol = signed_in(stack, approval.link(CAROL, "Approve"), "carol")
    assert carol.deliver().status_code == 303
    assert vote(carol.browser, approval.link(CAROL, "Approve")).status_code == 200
    wait_until(lambda: deployed(stack, approval), what="Deploy to run")
    assert votes(stack, approval)[CAROL]["identity"]["acr"] == "urn:greenlight:local:mfa"


def test_codes_states_and_cookies_stay_out_of_the_logs(
        stack: OfflineStack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    approval = waiting(stack)
    link = approval.link(ALICE, "Approve")
    callback = signed_in(stack, link, "alice")
    back = callback.deliver()
    vote(callback.browser, link)
    params = callback.params
    secrets = [params["code"], params["state"], link.rsplit("/", 1)[1]]
    secrets += [c.split(";")[0].split("=", 1)[1] for c in set_cookies(back) if "=;" not in c]
    # Every record, with every field a structured log line would carry.
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "signed in" in logged  # the sign-in was logged, as an event
    for secret in secrets:
        assert secret and secret not in logged


def test_the_decide_function_loads_no_sign_in_library_until_a_rule_asks_for_one() -> None:
    """A cold start for review pages without sign-in pays nothing for Authlib or cryptography."""
    probe = ("import sys, greenlight.decide; print(sorted(m for m in sys.modules "
             "if m.split('.')[0] in ('authlib', 'joserfc', 'cryptography') or m in ("
             "'greenlight.signin', 'greenlight.signin_flow', 'greenlight.oidc_http')))")
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(FUNCTIONS),
                   "AWS_DEFAULT_REGION": "us-east-1", "SIGNING_SECRET_ARN": "arn:local",
                   "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true"}
    loaded = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True,
                            text=True, timeout=60, check=True).stdout.strip()
    assert loaded == "[]"
