"""The sign-in flow the decide routes call, against a real OpenID provider (oidc-provider, on
loopback): the link's GET sends the browser to the provider, the approver signs in on its
login page, the callback checks who came back, and the POST's gate lets the vote count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from greenlight.oidc_http import ProviderHttp
from greenlight.signin import MetadataCache, ProviderKeys
from greenlight.signin_config import SignInSettings
from greenlight.signin_flow import (
    CallbackResult,
    SignInGate,
    SignInRequired,
    SignInRule,
    complete_callback,
    gate_review,
    gate_vote,
    identity_record,
    provider_keys_for,
    verified_via,
)
from local.oidc_provider import NODE_MISSING, LocalOpenIDProvider, ProviderUnavailable

pytestmark = pytest.mark.oidc

API_URL = "http://127.0.0.1:9/Prod"  # never served: the test reads the redirects
CALLBACK = f"{API_URL}/auth/callback"
KEYS = ["k" * 40]
MFA = "urn:greenlight:local:mfa"
REQUIRED = SignInRule(required=True, max_age_minutes=15)
# Each approver's link; the approver and the rule are what read_link and the policy would say.
LINKS = {"alice@example.com": "link-for-alice", "carol@example.com": "link-for-carol"}


@pytest.fixture(scope="module")
def idp() -> Iterator[LocalOpenIDProvider]:
    try:
        with LocalOpenIDProvider(redirect_uris=[CALLBACK]) as provider:
            yield provider
    except ProviderUnavailable as error:
        if str(error).startswith(NODE_MISSING):
            pytest.skip(str(error))
        raise


@dataclass
class Container:
    """What the decide function holds once per container."""

    settings: SignInSettings
    http: ProviderHttp
    metadata: MetadataCache
    keys: ProviderKeys
    secret: str


@pytest.fixture(scope="module")
def container(idp: LocalOpenIDProvider) -> Container:
    http = ProviderHttp()
    metadata = MetadataCache(idp.issuer, http)
    return Container(SignInSettings(issuer=idp.issuer, client_id=idp.client_id), http,
                     metadata, provider_keys_for(metadata, http), idp.client_secret)


def pair(set_cookie: str) -> str:
    return set_cookie.split(";")[0]


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def open_link(container: Container, approver: str, rule: SignInRule = REQUIRED,
              cookies: str | None = None, now: datetime | None = None) -> SignInGate:
    return gate_review(LINKS[approver], approver, rule, cookies, keys=KEYS,
                       now=now or datetime.now(UTC), settings=container.settings,
                       metadata=container.metadata, callback_url=CALLBACK)


def log_in_at_provider(browser: requests.Session, authorization_url: str,
                       login: str) -> dict[str, str]:
    """Signs in on the provider's development login page; the callback's query parameters."""
    page = browser.get(authorization_url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))
    answer = browser.post(urljoin(page.url, action),
                          data={"prompt": "login", "login": login, "password": "any"},
                          allow_redirects=False, timeout=10)
    for _ in range(10):
        location = answer.headers["Location"]
        if location.startswith(CALLBACK):
            return query(location)
        answer = browser.get(urljoin(answer.url, location), allow_redirects=False, timeout=10)
    raise AssertionError("the provider never came back to the callback")


def callback(container: Container, params: dict[str, str], cookies: str | None,
             rule: SignInRule = REQUIRED) -> CallbackResult:
    approver_of = {link: approver for approver, link in LINKS.items()}
    return complete_callback(
        params, cookies, keys=KEYS, now=datetime.now(UTC), settings=container.settings,
        metadata=container.metadata, provider_keys=container.keys, http=container.http,
        client_secret=container.secret, callback_url=CALLBACK,
        rule_for_link=lambda link: (approver_of[link], rule))


@dataclass
class SignedIn:
    result: CallbackResult
    params: dict[str, str]
    attempt_cookie: str
    browser: requests.Session


def sign_in(container: Container, approver: str, login: str,
            rule: SignInRule = REQUIRED) -> SignedIn:
    gate = open_link(container, approver, rule)
    assert gate.status == 303 and gate.location.startswith(container.settings.issuer)
    browser = requests.Session()
    params = log_in_at_provider(browser, gate.location, login)
    attempt_cookie = pair(gate.set_cookies[0])
    return SignedIn(callback(container, params, attempt_cookie, rule), params, attempt_cookie,
                    browser)


def session_of(result: CallbackResult) -> str:
    (session,) = [c for c in result.set_cookies if c.startswith("greenlight-session=")]
    return pair(session)


def test_alice_signs_in_comes_back_to_her_link_and_her_vote_carries_her_identity(container, idp):
    signed = sign_in(container, "alice@example.com", "alice")
    assert signed.result.status == 303, signed.result.problem
    assert signed.result.location == f"{API_URL}/approvals/link-for-alice"
    session = session_of(signed.result)
    back = open_link(container, "alice@example.com", cookies=session)
    assert back.allowed and back.identity.email == "alice@example.com"
    voter = gate_vote("alice@example.com", REQUIRED, session, keys=KEYS, now=datetime.now(UTC))
    assert voter.subject == "5c1d7e0a-alice"
    assert identity_record(voter)["issuer"] == idp.issuer
    assert identity_record(voter)["amr"] == ["pwd"]
    assert verified_via(voter) == f"signed in via 127.0.0.1:{urlsplit(idp.issuer).port}"


def test_bob_signing_in_on_alices_link_is_refused_and_gets_no_session(container):
    signed = sign_in(container, "alice@example.com", "bob")
    assert signed.result.status == 403
    assert signed.result.problem.reason == "identity-mismatch"
    assert (signed.result.problem.signed_in_as, signed.result.problem.link_for) == (
        "bob@example.com", "alice@example.com")
    assert not any(c.startswith("greenlight-session=") for c in signed.result.set_cookies)
    with pytest.raises(SignInRequired):
        gate_vote("alice@example.com", REQUIRED, None, keys=KEYS, now=datetime.now(UTC))


def test_a_session_older_than_the_max_age_is_sent_back_to_log_in_again(container):
    signed = sign_in(container, "alice@example.com", "alice")
    session = session_of(signed.result)
    later = datetime.now(UTC) + timedelta(minutes=16)
    gate = open_link(container, "alice@example.com", cookies=session, now=later)
    assert not gate.allowed and gate.status == 303
    assert query(gate.location)["prompt"] == "login"
    assert query(gate.location)["max_age"] == "900"
    with pytest.raises(SignInRequired) as refused:
        gate_vote("alice@example.com", REQUIRED, session, keys=KEYS, now=later)
    assert refused.value.reason == "sign-in-too-old"
    # The provider still has alice's session, yet prompt=login makes it ask her again.
    page = signed.browser.get(gate.location, timeout=10)
    assert page.status_code == 200 and re.search(r'name="login"', page.text)


def test_a_replayed_callback_is_refused(container):
    signed = sign_in(container, "alice@example.com", "alice")
    assert signed.result.status == 303
    with_cookie = callback(container, signed.params, signed.attempt_cookie)
    assert (with_cookie.status, with_cookie.problem.reason) == (400, "code-rejected")
    without = callback(container, signed.params, None)
    assert (without.status, without.problem.reason) == (400, "browser-mismatch")


def test_a_rule_needing_mfa_refuses_alices_password_and_accepts_carols_mfa(container):
    mfa_rule = SignInRule(required=True, max_age_minutes=15, acr=MFA)
    alice = sign_in(container, "alice@example.com", "alice", mfa_rule)
    assert (alice.result.status, alice.result.problem.reason) == (403, "acr-not-met")
    carol = sign_in(container, "carol@example.com", "carol", mfa_rule)
    assert carol.result.status == 303, carol.result.problem
    voter = gate_vote("carol@example.com", mfa_rule, session_of(carol.result), keys=KEYS,
                      now=datetime.now(UTC))
    assert voter.acr == MFA and voter.amr == ("pwd", "otp")


def test_an_unknown_user_refused_by_the_provider_gets_a_403(container):
    signed = sign_in(container, "alice@example.com", "eve")
    assert (signed.result.status, signed.result.problem.reason) == (403, "access-denied")
