"""Sign-in against a real OpenID provider (oidc-provider, on loopback): discovery, the
authorization code flow with PKCE through its login page, the code exchange, the ID token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from greenlight.oidc_http import ProviderHttp
from greenlight.signin import (
    ProviderKeys,
    ProviderMetadata,
    SignInFailed,
    VerifiedIdentity,
    authorization_redirect,
    discover,
    exchange_code,
    verify_id_token,
)
from greenlight.signin_session import SignInAttempt, resume_sign_in, start_sign_in
from local.oidc_provider import NODE_MISSING, LocalOpenIDProvider, ProviderUnavailable

pytestmark = pytest.mark.oidc

CALLBACK_PATH = "/Prod/auth/callback"
REDIRECT_URI = f"http://127.0.0.1:9{CALLBACK_PATH}"  # never served: the test reads the redirect
KEYS = ["k" * 40]
LINK = "/Prod/approvals/signed-link-value"
MFA = "urn:greenlight:local:mfa"


@pytest.fixture(scope="module")
def idp() -> Iterator[LocalOpenIDProvider]:
    try:
        with LocalOpenIDProvider(redirect_uris=[REDIRECT_URI]) as provider:
            yield provider
    except ProviderUnavailable as error:
        if str(error).startswith(NODE_MISSING):
            pytest.skip(str(error))
        raise


@pytest.fixture(scope="module")
def http() -> ProviderHttp:
    return ProviderHttp()


@pytest.fixture(scope="module")
def metadata(idp: LocalOpenIDProvider, http: ProviderHttp) -> ProviderMetadata:
    return discover(idp.issuer, http)


@dataclass
class Callback:
    attempt: SignInAttempt
    code: str | None
    error: str | None


def sign_in_at_provider(idp: LocalOpenIDProvider, metadata: ProviderMetadata, login: str,
                        client_id: str | None = None, **extra: object) -> Callback:
    """Starts an attempt, signs in on the provider's login page, and reads the callback."""
    start = start_sign_in(LINK, KEYS, datetime.now(UTC), CALLBACK_PATH)
    url = authorization_redirect(
        metadata, client_id or idp.client_id, REDIRECT_URI, state=start.state,
        nonce=start.attempt.nonce, code_verifier=start.attempt.code_verifier, **extra)
    browser = requests.Session()
    page = browser.get(url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))
    answer = browser.post(urljoin(page.url, action),
                          data={"prompt": "login", "login": login, "password": "any"},
                          allow_redirects=False, timeout=10)
    for _ in range(10):
        location = answer.headers["Location"]
        if location.startswith(REDIRECT_URI):
            break
        answer = browser.get(urljoin(answer.url, location), allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(location).query)
    cookie = start.attempt_cookie.split(";")[0]
    attempt = resume_sign_in(query["state"][0], cookie, KEYS, datetime.now(UTC))
    return Callback(attempt, query.get("code", [None])[0], query.get("error", [None])[0])


def verified(idp: LocalOpenIDProvider, metadata: ProviderMetadata, http: ProviderHttp,
             callback: Callback, nonce: str | None = None,
             required_acr: str | None = None) -> VerifiedIdentity:
    assert callback.code is not None, callback.error
    id_token = exchange_code(metadata, callback.code, REDIRECT_URI, idp.client_id,
                             idp.client_secret, callback.attempt.code_verifier, http)
    return verify_id_token(
        id_token, metadata, ProviderKeys.over_http(metadata, http), client_id=idp.client_id,
        nonce=nonce or callback.attempt.nonce, now=datetime.now(UTC), max_age_minutes=15,
        required_acr=required_acr)


def test_discovery_names_the_issuer_and_supports_s256(idp, metadata):
    assert metadata.issuer == idp.issuer
    assert metadata.token_endpoint.startswith(idp.issuer)
    assert "RS256" in metadata.accepted_algorithms


def test_a_provider_that_names_another_issuer_is_not_trusted(idp, http):
    with pytest.raises(SignInFailed) as failure:
        discover(idp.issuer.replace("127.0.0.1", "localhost"), http)
    assert failure.value.reason == "issuer-mismatch"


def test_alice_signs_in_and_her_verified_identity_comes_back(idp, metadata, http):
    callback = sign_in_at_provider(idp, metadata, "alice", max_age=900)
    identity = verified(idp, metadata, http, callback)
    assert callback.attempt.link == LINK
    assert identity.email == "alice@example.com"
    assert identity.subject == "5c1d7e0a-alice"
    assert identity.issuer == idp.issuer
    assert identity.amr == ("pwd",)
    assert identity.signed_in_within(datetime.now(UTC), minutes=1)


def test_an_id_token_for_another_sign_in_fails_on_its_nonce(idp, metadata, http):
    callback = sign_in_at_provider(idp, metadata, "bob")
    other = start_sign_in(LINK, KEYS, datetime.now(UTC), CALLBACK_PATH).attempt
    with pytest.raises(SignInFailed) as failure:
        verified(idp, metadata, http, callback, nonce=other.nonce)
    assert failure.value.reason == "nonce-mismatch"


def test_a_code_is_redeemed_only_once(idp, metadata, http):
    callback = sign_in_at_provider(idp, metadata, "alice@example.com")
    verified(idp, metadata, http, callback)
    with pytest.raises(SignInFailed) as failure:
        verified(idp, metadata, http, callback)
    assert failure.value.reason == "code-rejected"


def test_a_stolen_code_without_the_browsers_verifier_is_refused(idp, metadata, http):
    callback = sign_in_at_provider(idp, metadata, "alice")
    thief = start_sign_in(LINK, KEYS, datetime.now(UTC), CALLBACK_PATH).attempt
    with pytest.raises(SignInFailed) as failure:
        exchange_code(metadata, callback.code, REDIRECT_URI, idp.client_id, idp.client_secret,
                      thief.code_verifier, http)
    assert failure.value.reason == "code-rejected"


def test_a_wrong_client_secret_is_refused(idp, metadata, http):
    callback = sign_in_at_provider(idp, metadata, "alice")
    with pytest.raises(SignInFailed) as failure:
        exchange_code(metadata, callback.code, REDIRECT_URI, idp.client_id, "not-the-secret",
                      callback.attempt.code_verifier, http)
    assert failure.value.reason == "client-rejected"


def test_a_public_client_signs_in_with_pkce_alone(idp, metadata, http):
    callback = sign_in_at_provider(idp, metadata, "carol", client_id=idp.public_client_id)
    id_token = exchange_code(metadata, callback.code, REDIRECT_URI, idp.public_client_id, None,
                             callback.attempt.code_verifier, http)
    identity = verify_id_token(
        id_token, metadata, ProviderKeys.over_http(metadata, http),
        client_id=idp.public_client_id, nonce=callback.attempt.nonce, now=datetime.now(UTC),
        max_age_minutes=15, required_acr=MFA)
    assert identity.email == "carol@example.com"
    assert identity.acr == MFA
    assert identity.amr == ("pwd", "otp")


def test_a_rule_that_needs_mfa_refuses_a_password_sign_in(idp, metadata, http):
    callback = sign_in_at_provider(idp, metadata, "alice", acr=MFA)
    with pytest.raises(SignInFailed) as failure:
        verified(idp, metadata, http, callback, required_acr=MFA)
    assert failure.value.reason == "acr-not-met"


def test_an_unverified_address_is_refused(idp, metadata, http):
    callback = sign_in_at_provider(idp, metadata, "unverified")
    with pytest.raises(SignInFailed) as failure:
        verified(idp, metadata, http, callback)
    assert failure.value.reason == "email-unverified"


def test_an_unknown_user_is_refused_by_the_provider(idp, metadata):
    callback = sign_in_at_provider(idp, metadata, "eve")
    assert callback.code is None
    assert callback.error == "access_denied"
