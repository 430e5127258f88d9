"""The relying party's checks: the authorization request, the code exchange, and every check
on an ID token, each against a token signed here with keys made for the test."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey

from greenlight.config import ConfigurationError
from greenlight.signin import (
    HttpAnswer,
    MetadataCache,
    ProviderKeys,
    ProviderMetadata,
    SignInFailed,
    authorization_redirect,
    exchange_code,
    verify_id_token,
)
from greenlight.signin_config import SignInSettings, require_sign_in_settings

ISSUER = "https://login.example.com"
CLIENT_ID = "greenlight"
NONCE = "n-0S6_WzA2Mj"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
REDIRECT_URI = "https://api.example.com/Prod/auth/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

METADATA = ProviderMetadata(
    issuer=ISSUER,
    authorization_endpoint=f"{ISSUER}/authorize",
    token_endpoint=f"{ISSUER}/token",
    jwks_uri=f"{ISSUER}/jwks",
    signing_algorithms=("ES256", "RS256"),
    token_endpoint_auth_methods=("client_secret_basic",),
)


def new_key(kid: str) -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256", "use": "sig"})


KEY = new_key("key-1")


class FakeJwks:
    """The provider's jwks_uri: serves the public keys it holds now, and counts fetches."""

    def __init__(self, *keys: ECKey) -> None:
        self.keys = list(keys)
        self.fetches = 0

    def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        return {"keys": [k.as_dict(private=False) for k in self.keys]}


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER, "sub": "00u1alice", "aud": CLIENT_ID, "nonce": NONCE,
        "iat": int(NOW.timestamp()) - 5, "exp": int(NOW.timestamp()) + 300,
        "auth_time": int(NOW.timestamp()) - 60, "email": "Alice@Example.com",
        "email_verified": True, "amr": ["pwd", "otp"], "acr": "urn:mfa",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def id_token(key: Any = KEY, alg: str = "ES256", **changes: Any) -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, claims(**changes), key)


def verify(token: str, keys: ProviderKeys | None = None, **options: Any) -> Any:
    settings: dict[str, Any] = {
        "client_id": CLIENT_ID, "nonce": NONCE, "now": NOW, "max_age_minutes": 15,
        "required_acr": None}
    settings.update(options)
    return verify_id_token(token, METADATA, keys or ProviderKeys(FakeJwks(KEY)), **settings)


def refused(token: str, **options: Any) -> str:
    with pytest.raises(SignInFailed) as failure:
        verify(token, **options)
    assert token not in str(failure.value)
    return failure.value.reason


# The authorization request


def test_the_redirect_asks_for_a_code_with_pkce_s256_and_the_rules_reauthentication():
    url = authorization_redirect(
        METADATA, CLIENT_ID, REDIRECT_URI, state="st", nonce=NONCE, code_verifier=VERIFIER,
        max_age=900, prompt="login", acr="urn:mfa")
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest())
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == METADATA.authorization_endpoint
    assert query == {
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
        "scope": "openid email", "state": "st", "nonce": NONCE,
        "code_challenge": challenge.rstrip(b"=").decode(), "code_challenge_method": "S256",
        "max_age": "900", "prompt": "login", "acr_values": "urn:mfa",
    }


def test_the_redirect_leaves_out_what_the_rule_does_not_ask_for():
    url = authorization_redirect(METADATA, CLIENT_ID, REDIRECT_URI, state="st", nonce=NONCE,
                                 code_verifier=VERIFIER)
    assert not {"max_age", "prompt", "acr_values"} & set(parse_qs(urlsplit(url).query))


# Discovery


class FakeHttp:
    def __init__(self, *answers: HttpAnswer | OSError) -> None:
        self.answers = list(answers)
        self.requests: list[tuple[str, str | None, dict[str, str]]] = []

    def _next(self) -> HttpAnswer:
        answer = self.answers.pop(0)
        if isinstance(answer, OSError):
            raise answer
        return answer

    def get_json(self, url: str) -> HttpAnswer:
        self.requests.append((url, None, {}))
        return self._next()

    def post_form(self, url: str, body: str, headers: Any) -> HttpAnswer:
        self.requests.append((url, body, dict(headers)))
        return self._next()


def discovery_document(issuer: str = ISSUER) -> dict[str, Any]:
    return {"issuer": issuer, "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks"}


def test_metadata_from_an_impostor_naming_another_issuer_is_refused():
    cache = MetadataCache(ISSUER, FakeHttp(HttpAnswer(200, discovery_document("https://evil.example"))))
    with pytest.raises(SignInFailed) as failure:
        cache.get(NOW)
    assert failure.value.reason == "issuer-mismatch"


def test_metadata_is_fetched_once_and_again_after_an_hour():
    http = FakeHttp(*[HttpAnswer(200, discovery_document())] * 2)
    cache = MetadataCache(ISSUER, http)
    assert cache.get(NOW) == cache.get(NOW + timedelta(minutes=59))
    assert len(http.requests) == 1
    assert cache.get(NOW + timedelta(minutes=61)).token_endpoint == f"{ISSUER}/token"
    assert len(http.requests) == 2
    assert http.requests[0][0] == f"{ISSUER}/.well-known/openid-configuration"


def test_a_provider_that_is_down_is_reported_as_unavailable():
    with pytest.raises(SignInFailed) as failure:
        MetadataCache(ISSUER, FakeHttp(OSError("refused"))).get(NOW)
    assert failure.value.reason == "provider-unavailable"


# The code exchange


def test_the_code_is_redeemed_with_basic_client_auth_and_the_pkce_verifier():
    http = FakeHttp(HttpAnswer(200, {"id_token": "header.payload.signature"}))
    token = exchange_code(METADATA, "the-code", REDIRECT_URI, CLIENT_ID, "s3cr:t", VERIFIER, http)
    url, body, headers = http.requests[0]
    form = parse_qs(body)
    assert token == "header.payload.signature"
    assert url == METADATA.token_endpoint
    assert form == {"grant_type": ["authorization_code"], "code": ["the-code"],
                    "redirect_uri": [REDIRECT_URI], "code_verifier": [VERIFIER]}
    # RFC 6749 2.3.1: the secret is form-encoded before it is joined, so its colon survives.
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"greenlight:s3cr%3At").decode()


def test_a_public_client_redeems_with_the_verifier_alone():
    http = FakeHttp(HttpAnswer(200, {"id_token": "t.t.t"}))
    exchange_code(METADATA, "the-code", REDIRECT_URI, CLIENT_ID, None, VERIFIER, http)
    _, body, headers = http.requests[0]
    assert "Authorization" not in headers
    assert parse_qs(body)["client_id"] == [CLIENT_ID]


@pytest.mark.parametrize(("answer", "reason"), [
    (HttpAnswer(400, {"error": "invalid_grant"}), "code-rejected"),
    (HttpAnswer(401, {"error": "invalid_client"}), "client-rejected"),
    (HttpAnswer(503, None), "provider-unavailable"),
    (OSError("timed out"), "provider-unavailable"),
    (HttpAnswer(200, {"access_token": "only"}), "no-id-token"),
])
def test_a_failed_exchange_says_why(answer, reason):
    with pytest.raises(SignInFailed) as failure:
        exchange_code(METADATA, "the-code", REDIRECT_URI, CLIENT_ID, "s", VERIFIER,
                      FakeHttp(answer))
    assert failure.value.reason == reason


# The ID token


def test_a_valid_id_token_gives_the_verified_identity():
    identity = verify(id_token(), required_acr="urn:mfa")
    assert identity.issuer == ISSUER
    assert identity.subject == "00u1alice"
    assert identity.email == "alice@example.com"
    assert identity.auth_time == NOW - timedelta(seconds=60)
    assert identity.amr == ("pwd", "otp")
    assert identity.acr == "urn:mfa"


def test_a_token_for_another_client_is_refused():
    assert refused(id_token(aud="another-app")) == "wrong-audience"


def test_a_token_for_several_audiences_needs_us_as_its_authorized_party():
    assert refused(id_token(aud=[CLIENT_ID, "another-app"])) == "wrong-authorized-party"
    assert verify(id_token(aud=[CLIENT_ID, "another-app"], azp=CLIENT_ID)).subject == "00u1alice"


def test_a_token_from_another_issuer_is_refused():
    assert refused(id_token(iss="https://evil.example")) == "wrong-issuer"


def test_an_expired_token_is_refused():
    assert refused(id_token(exp=int(NOW.timestamp()) - 61)) == "token-expired"


def test_a_token_issued_in_the_future_beyond_the_leeway_is_refused():
    assert refused(id_token(iat=int(NOW.timestamp()) + 61)) == "issued-in-future"
    assert verify(id_token(iat=int(NOW.timestamp()) + 30)).subject == "00u1alice"


def test_a_token_from_another_sign_in_is_refused_on_its_nonce():
    assert refused(id_token(nonce="someone-elses")) == "nonce-mismatch"
    assert refused(id_token(nonce=None)) == "nonce-mismatch"


def test_a_sign_in_older_than_the_rules_max_age_is_refused():
    old = int((NOW - timedelta(minutes=16, seconds=1)).timestamp())
    assert refused(id_token(auth_time=old)) == "sign-in-too-old"
    assert refused(id_token(auth_time=None)) == "auth-time-missing"
    assert verify(id_token(auth_time=None), max_age_minutes=None).auth_time is None


def test_a_rule_that_needs_an_acr_refuses_a_token_without_it():
    assert refused(id_token(acr=None), required_acr="urn:mfa") == "acr-not-met"
    assert refused(id_token(acr="urn:pwd"), required_acr="urn:mfa") == "acr-not-met"


def test_an_unverified_email_is_refused_unless_the_provider_is_trusted_for_it():
    assert refused(id_token(email_verified=False)) == "email-unverified"
    assert refused(id_token(email_verified=None)) == "email-unverified"
    assert verify(id_token(email_verified=False), trust_unverified_email=True).email == (
        "alice@example.com")


def test_the_address_can_come_from_another_claim():
    token = id_token(email=None, email_verified=None, upn="alice@example.com")
    assert verify(token, email_claim="upn").email == "alice@example.com"
    assert refused(token) == "email-missing"


def test_an_unknown_kid_refreshes_the_key_set_once_then_fails():
    jwks = FakeJwks(KEY)
    keys = ProviderKeys(jwks)
    verify(id_token(), keys=keys)
    later = NOW + timedelta(minutes=5)
    stranger = id_token(key=new_key("key-unknown"), iat=int(later.timestamp()))
    assert refused(stranger, keys=keys, now=later) == "unknown-key"
    assert jwks.fetches == 2
    assert refused(stranger, keys=keys, now=later) == "unknown-key"
    assert jwks.fetches == 2


def test_a_rotated_key_is_found_by_refreshing_the_key_set():
    jwks = FakeJwks(KEY)
    keys = ProviderKeys(jwks)
    verify(id_token(), keys=keys)
    rotated = new_key("key-2")
    jwks.keys.append(rotated)
    later = NOW + timedelta(minutes=5)
    token = id_token(key=rotated, iat=int(later.timestamp()), exp=int(later.timestamp()) + 60)
    assert verify(token, keys=keys, now=later).subject == "00u1alice"


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused():
    forged = id_token(key=new_key(KEY.kid))
    assert refused(forged) == "bad-signature"


def test_a_token_signed_with_a_shared_secret_or_no_signature_is_refused():
    secret = OctKey.generate_key(256, parameters={"kid": KEY.kid})
    hs256 = jwt.encode({"alg": "HS256", "kid": KEY.kid}, claims(), secret)
    header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"key-1"}').rstrip(b"=").decode()
    body = id_token().split(".")[1]
    assert refused(hs256) == "unsupported-algorithm"
    assert refused(f"{header}.{body}.") in ("unsupported-algorithm", "malformed-token")


def test_garbage_is_a_malformed_token():
    assert refused("not-a-jwt") == "malformed-token"
    assert refused("a." * 10_000) == "malformed-token"


# Settings


def test_no_issuer_means_sign_in_is_not_configured():
    assert SignInSettings.from_env({}) is None
    with pytest.raises(ConfigurationError, match="requires sign-in, but OIDC_ISSUER is not set"):
        require_sign_in_settings(None, "production")


def test_the_settings_are_read_with_their_defaults():
    settings = SignInSettings.from_env({"OIDC_ISSUER": ISSUER, "OIDC_CLIENT_ID": CLIENT_ID})
    assert settings == SignInSettings(issuer=ISSUER, client_id=CLIENT_ID,
                                      client_secret_arn=None, email_claim="email")


@pytest.mark.parametrize(("env", "message"), [
    ({"OIDC_ISSUER": ISSUER}, "OIDC_CLIENT_ID is not set"),
    ({"OIDC_ISSUER": "http://login.example.com", "OIDC_CLIENT_ID": "c"}, "OIDC_ISSUER must be"),
    ({"OIDC_ISSUER": f"{ISSUER}?x=1", "OIDC_CLIENT_ID": "c"}, "OIDC_ISSUER must be"),
])
def test_a_broken_sign_in_setting_fails_at_start_naming_it(env, message):
    with pytest.raises(ConfigurationError, match=message):
        SignInSettings.from_env(env)


def test_a_loopback_issuer_may_use_http():
    env = {"OIDC_ISSUER": "http://127.0.0.1:9090", "OIDC_CLIENT_ID": "c"}
    settings = SignInSettings.from_env(env)
    assert settings is not None
    assert settings.issuer == "http://127.0.0.1:9090"
