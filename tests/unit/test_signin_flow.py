"""The sign-in flow the decide routes call: the gate on a link's GET, the callback, the gate on
the POST, and what is kept of the identity, against a provider faked at the HTTP port with
keys made for the test."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from greenlight.links import LinkInvalid
from greenlight.policy import PolicyError
from greenlight.rendering import Templates
from greenlight.signin import HttpAnswer, MetadataCache, SignInFailed, VerifiedIdentity
from greenlight.signin_config import SignInSettings
from greenlight.signin_flow import (
    SIGN_IN_OFF,
    CallbackResult,
    SignInRequired,
    SignInRule,
    callback_url_for,
    complete_callback,
    cookie_header,
    gate_review,
    gate_vote,
    identity_record,
    provider_keys_for,
    sign_in_rule,
    sign_in_rule_from_record,
    signin_problem_page,
    stage_path,
    verified_via,
)
from greenlight.signin_problems import REASONS, mismatch, problem
from greenlight.signin_session import read_session, session_cookie

ISSUER = "https://login.acme.com"
CLIENT_ID = "greenlight"
SECRET = "client-s3cret"
API_URL = "https://api.example.com/Prod"
CALLBACK = f"{API_URL}/auth/callback"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
KEYS = ["s" * 40]
LINK = "eyJ2IjoxfQ.link-signature"
ALICE = "alice@example.com"
BOB = "bob@example.com"
MFA = "urn:acme:mfa"
REQUIRED = SignInRule(required=True)
SETTINGS = SignInSettings(issuer=ISSUER, client_id=CLIENT_ID)
KEY = ECKey.generate_key("P-256", parameters={"kid": "k1", "alg": "ES256", "use": "sig"})
SUBJECTS = {ALICE: "00u-alice", BOB: "00u-bob"}
TEMPLATES = Templates()


class FakeProvider:
    """The provider's three endpoints behind the HTTP port, recording every request."""

    def __init__(self) -> None:
        self.token_answer: HttpAnswer | OSError = HttpAnswer(400, {"error": "invalid_grant"})
        self.discovery: HttpAnswer | OSError = HttpAnswer(200, {
            "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/keys",
            "id_token_signing_alg_values_supported": ["ES256"]})
        self.requests: list[tuple[str, str | None]] = []

    def get_json(self, url: str) -> HttpAnswer:
        self.requests.append((url, None))
        if url.endswith("/keys"):
            return HttpAnswer(200, {"keys": [KEY.as_dict(private=False)]})
        if isinstance(self.discovery, OSError):
            raise self.discovery
        return self.discovery

    def post_form(self, url: str, body: str, headers: Any) -> HttpAnswer:
        self.requests.append((url, body))
        if isinstance(self.token_answer, OSError):
            raise self.token_answer
        return self.token_answer

    @property
    def token_requests(self) -> list[str]:
        return [body for url, body in self.requests if url == f"{ISSUER}/token" and body]


def id_token(nonce: str, email: str = ALICE, key: ECKey = KEY, **changes: Any) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER, "aud": CLIENT_ID, "sub": SUBJECTS.get(email, "00u-x"), "nonce": nonce,
        "email": email, "email_verified": True, "iat": int(NOW.timestamp()) - 2,
        "exp": int(NOW.timestamp()) + 300, "auth_time": int(NOW.timestamp()) - 30,
        "amr": ["pwd"], "acr": "urn:acme:pwd"}
    claims.update(changes)
    return jwt.encode({"alg": "ES256", "kid": key.kid},
                      {k: v for k, v in claims.items() if v is not None}, key)


def pair(set_cookie: str) -> str:
    return set_cookie.split(";")[0]


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def identity(email: str = ALICE, minutes_ago: float = 1, acr: str | None = None,
             issuer: str = ISSUER) -> VerifiedIdentity:
    return VerifiedIdentity(issuer=issuer, subject=SUBJECTS.get(email, "00u-x"), email=email,
                            auth_time=NOW - timedelta(minutes=minutes_ago), amr=("pwd",),
                            acr=acr)


def session_for(approver: str, who: VerifiedIdentity, at: datetime = NOW) -> str:
    return pair(session_cookie(who, approver, KEYS, at, timedelta(hours=1), "/Prod"))


class World:
    """One provider, one container's caches, and the calls the decide routes make."""

    def __init__(self) -> None:
        self.provider = FakeProvider()
        self.metadata = MetadataCache(ISSUER, self.provider)
        self.keys = provider_keys_for(self.metadata, self.provider, lambda: NOW)
        self.links: dict[str, tuple[str, SignInRule]] = {LINK: (ALICE, REQUIRED)}

    def gate(self, approver: str = ALICE, rule: SignInRule = REQUIRED,
             cookies: str | None = None, now: datetime = NOW) -> Any:
        return gate_review(LINK, approver, rule, cookies, keys=KEYS, now=now, settings=SETTINGS,
                           metadata=self.metadata, callback_url=CALLBACK)

    def callback(self, params: dict[str, str], cookies: str | None, now: datetime = NOW,
                 **options: Any) -> CallbackResult:
        return complete_callback(
            params, cookies, keys=KEYS, now=now, settings=SETTINGS, metadata=self.metadata,
            provider_keys=self.keys, http=self.provider, client_secret=SECRET,
            callback_url=CALLBACK, rule_for_link=self.links.__getitem__, **options)

    def sign_in(self, email: str = ALICE, rule: SignInRule = REQUIRED,
                **claims: Any) -> tuple[CallbackResult, dict[str, str], str]:
        """GET the link, sign in at the provider as `email`, come back to the callback."""
        self.links[LINK] = (self.links[LINK][0], rule)
        gate = self.gate(rule=rule)
        sent = query(gate.location)
        self.provider.token_answer = HttpAnswer(
            200, {"id_token": id_token(sent["nonce"], email, **claims)})
        params = {"code": "the-code", "state": sent["state"]}
        cookie = pair(gate.set_cookies[0])
        return self.callback(params, cookie), params, cookie


@pytest.fixture
def world() -> World:
    return World()


# The policy's fields


def test_a_rule_without_sign_in_fields_needs_no_sign_in():
    assert sign_in_rule({"approvers": [ALICE]}, "rules[0]") == SIGN_IN_OFF
    assert sign_in_rule({"sign_in": "off"}, "rules[0]").required is False


def test_a_rule_requiring_sign_in_reads_its_max_age_and_acr():
    assert sign_in_rule({"sign_in": "required"}, "rules[0]") == SignInRule(True, 15, None)
    rule = sign_in_rule({"sign_in": "required", "sign_in_max_age_minutes": 5,
                         "sign_in_acr": MFA}, "rules[0]")
    assert rule == SignInRule(required=True, max_age_minutes=5, acr=MFA)


@pytest.mark.parametrize(("fields", "message"), [
    ({"sign_in": "yes"}, 'rules[3].sign_in must be "required" or "off"'),
    ({"sign_in": True}, 'rules[3].sign_in must be "required" or "off"'),
    ({"sign_in": "required", "sign_in_max_age_minutes": 0}, "rules[3].sign_in_max_age_minutes"),
    ({"sign_in": "required", "sign_in_max_age_minutes": "15"}, "sign_in_max_age_minutes"),
    ({"sign_in": "required", "sign_in_max_age_minutes": True}, "sign_in_max_age_minutes"),
    ({"sign_in": "required", "sign_in_max_age_minutes": 10**9}, "sign_in_max_age_minutes"),
    ({"sign_in": "required", "sign_in_acr": ""}, "rules[3].sign_in_acr must be a non-empty"),
    ({"sign_in": "required", "sign_in_acr": ["mfa"]}, "rules[3].sign_in_acr"),
    ({"sign_in": "required", "sign_in_acr": "mfa\n"}, "rules[3].sign_in_acr"),
])
def test_a_broken_sign_in_field_is_refused_naming_where(fields, message):
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        sign_in_rule(fields, "rules[3]")


def test_an_acr_without_sign_in_required_is_refused_rather_than_ignored():
    with pytest.raises(PolicyError, match='need sign_in: "required"'):
        sign_in_rule({"sign_in_acr": MFA}, "rules[0]")
    with pytest.raises(PolicyError, match='need sign_in: "required"'):
        sign_in_rule({"sign_in": "off", "sign_in_max_age_minutes": 5}, "rules[0]")


def test_the_rule_a_request_record_keeps_reads_back_the_same():
    rule = SignInRule(required=True, max_age_minutes=5, acr=MFA)
    assert sign_in_rule_from_record(rule.as_record()) == rule
    assert sign_in_rule_from_record(SIGN_IN_OFF.as_record()) == SIGN_IN_OFF
    assert sign_in_rule_from_record({}) == SIGN_IN_OFF


def test_the_callback_and_the_session_live_under_the_api_stage():
    assert callback_url_for(API_URL + "/") == CALLBACK
    assert stage_path(CALLBACK) == "/Prod"
    assert stage_path("https://approvals.acme.com/auth/callback") == "/"
    with pytest.raises(ValueError, match="/auth/callback"):
        stage_path("https://api.example.com/Prod/elsewhere")


def test_all_cookie_headers_of_a_request_are_read():
    assert cookie_header({"cookie": ["a=1", "b=2"], "Accept": ["x"]}) == "a=1; b=2"
    assert cookie_header(None) is None


# The GET of a link


def test_a_link_under_a_rule_without_sign_in_goes_straight_to_the_review(world):
    gate = world.gate(rule=SIGN_IN_OFF)
    assert gate.allowed and gate.identity is None and gate.location is None
    assert world.provider.requests == []


def test_a_link_without_a_session_is_sent_to_sign_in_with_code_pkce_nonce_and_max_age(world):
    gate = world.gate()
    assert not gate.allowed
    assert gate.status == 303
    assert gate.location.startswith(f"{ISSUER}/authorize?")
    sent = query(gate.location)
    assert {k: sent[k] for k in ("response_type", "client_id", "redirect_uri", "scope",
                                 "code_challenge_method", "max_age")} == {
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK,
        "scope": "openid email", "code_challenge_method": "S256", "max_age": "900"}
    assert sent["state"] and sent["nonce"] and len(sent["code_challenge"]) == 43
    assert "prompt" not in sent and "acr_values" not in sent
    assert LINK not in gate.location  # the link travels signed in the state, not in clear
    (cookie,) = gate.set_cookies
    assert cookie.startswith("greenlight-signin-")
    assert "Path=/Prod/auth/callback" in cookie and "HttpOnly" in cookie
    assert gate.headers["Location"] == gate.location
    assert gate.headers["Set-Cookie"] == [cookie]


def test_a_rule_needing_mfa_asks_the_provider_for_its_acr_and_max_age(world):
    sent = query(world.gate(rule=SignInRule(True, 5, MFA)).location)
    assert sent["acr_values"] == MFA
    assert sent["max_age"] == "300"


def test_a_fresh_session_for_this_approver_is_let_through_with_its_identity(world):
    who = identity(minutes_ago=14)
    gate = world.gate(cookies=session_for(ALICE, who))
    assert gate.allowed and gate.identity == who
    assert gate.set_cookies == ()


def test_a_session_older_than_the_max_age_is_sent_back_to_sign_in_with_prompt_login(world):
    gate = world.gate(cookies=session_for(ALICE, identity(minutes_ago=17)))
    assert not gate.allowed and gate.status == 303
    assert query(gate.location)["prompt"] == "login"


def test_a_session_without_the_rules_acr_is_sent_back_to_sign_in(world):
    cookies = session_for(ALICE, identity(acr="urn:acme:pwd"))
    gate = world.gate(rule=SignInRule(True, 15, MFA), cookies=cookies)
    assert not gate.allowed
    assert query(gate.location)["prompt"] == "login"


def test_bobs_session_does_not_open_alices_link(world):
    gate = world.gate(cookies=session_for(BOB, identity(BOB)))
    assert not gate.allowed and gate.status == 303
    assert "prompt" not in query(gate.location)


def test_a_provider_that_is_down_gives_503_and_no_redirect(world):
    world.provider.discovery = OSError("connection refused")
    gate = world.gate()
    assert (gate.allowed, gate.status, gate.location) == (False, 503, None)
    assert gate.problem.reason == "provider-unavailable"
    assert gate.headers["Retry-After"] == "30"


def test_a_rule_requiring_sign_in_without_settings_fails_closed(world):
    gate = gate_review(LINK, ALICE, REQUIRED, None, keys=KEYS, now=NOW, settings=None,
                       metadata=world.metadata, callback_url=CALLBACK)
    assert not gate.allowed and gate.status == 503 and gate.location is None


# The callback


def test_alice_signs_in_and_is_sent_back_to_her_link_with_a_session(world):
    result, _, _ = world.sign_in()
    assert result.signed_in and result.status == 303
    assert result.location == f"{API_URL}/approvals/{LINK}"
    assert result.identity.email == ALICE and result.identity.subject == "00u-alice"
    assert result.approver == ALICE
    session, cleared = result.set_cookies
    assert session.startswith("greenlight-session=")
    assert session.split("; ")[1:] == ["Path=/Prod", "Max-Age=3600", "HttpOnly", "Secure",
                                       "SameSite=Lax"]
    assert cleared.startswith("greenlight-signin-") and "Max-Age=0" in cleared
    assert read_session(pair(session), KEYS, NOW, ALICE) == result.identity
    assert result.headers == {"Location": result.location, "Set-Cookie": [session, cleared]}
    (exchange,) = world.provider.token_requests
    form = parse_qs(exchange)
    assert form["code"] == ["the-code"] and form["redirect_uri"] == [CALLBACK]
    assert len(form["code_verifier"][0]) == 43


def test_signing_in_as_bob_on_alices_link_is_refused_saying_who_is_who(world):
    result, _, _ = world.sign_in(BOB)
    assert result.status == 403 and not result.signed_in
    assert result.problem.reason == "identity-mismatch"
    assert (result.problem.signed_in_as, result.problem.link_for) == (BOB, ALICE)
    assert not any(c.startswith("greenlight-session=") for c in result.set_cookies)
    assert result.location is None
    status, html = signin_problem_page(TEMPLATES, result)
    assert status == 403
    assert ("You signed in as bob@example.com; this link belongs to alice@example.com. "
            "Nothing was decided.") in html


def test_an_identity_the_resolver_maps_to_the_approver_is_accepted(world):
    gate = world.gate()
    sent = query(gate.location)
    world.provider.token_answer = HttpAnswer(200, {"id_token": id_token(
        sent["nonce"], "a.smith@acme.com")})
    result = world.callback({"code": "c", "state": sent["state"]}, pair(gate.set_cookies[0]),
                            resolve_approver=lambda who: {who.email, "Alice@Example.com"})
    assert result.signed_in and result.approver == ALICE


@pytest.mark.parametrize(("params", "reason"), [
    ({"code": "c"}, "state-missing"),
    ({"code": "c", "state": "forged.state.value"}, "state-invalid"),
])
def test_a_callback_that_no_sign_in_started_is_refused_before_any_exchange(world, params, reason):
    result = world.callback(params, None)
    assert (result.status, result.problem.reason) == (400, reason)
    assert world.provider.requests == [] and result.set_cookies == ()


def test_a_callback_in_another_browser_is_refused_before_any_exchange(world):
    gate = world.gate()
    result = world.callback({"code": "c", "state": query(gate.location)["state"]}, "other=1")
    assert (result.status, result.problem.reason) == (400, "browser-mismatch")
    assert world.provider.token_requests == []


def test_a_callback_after_ten_minutes_is_refused_as_expired(world):
    gate = world.gate()
    result = world.callback({"code": "c", "state": query(gate.location)["state"]},
                            pair(gate.set_cookies[0]), now=NOW + timedelta(minutes=11))
    assert (result.status, result.problem.reason) == (400, "state-expired")
    assert world.provider.token_requests == []


def test_a_replayed_callback_is_refused(world):
    result, params, cookie = world.sign_in()
    assert result.signed_in
    # The browser dropped the attempt cookie; a copy of the URL alone belongs to no attempt.
    again = world.callback(params, None)
    assert (again.status, again.problem.reason) == (400, "browser-mismatch")
    # Replayed with the cookie too, the provider has spent the code.
    world.provider.token_answer = HttpAnswer(400, {"error": "invalid_grant"})
    again = world.callback(params, cookie)
    assert (again.status, again.problem.reason) == (400, "code-rejected")
    assert not any(c.startswith("greenlight-session=") for c in again.set_cookies)


@pytest.mark.parametrize(("error", "status", "reason"), [
    ("access_denied", 403, "access-denied"),
    ("login_required", 403, "login-required"),
    ("unmet_authentication_requirements", 403, "acr-not-met"),
    ("temporarily_unavailable", 503, "provider-error"),
    ("server_error", 503, "provider-error"),
    ("invalid_scope", 503, "provider-refused-request"),
])
def test_an_error_from_the_provider_is_a_clear_page_and_no_exchange(world, error, status,
                                                                    reason):
    gate = world.gate()
    result = world.callback({"error": error, "state": query(gate.location)["state"]},
                            pair(gate.set_cookies[0]))
    assert (result.status, result.problem.reason) == (status, reason)
    assert world.provider.token_requests == []
    assert result.problem.retry_url == f"{API_URL}/approvals/{LINK}"
    assert result.set_cookies[0].startswith("greenlight-signin-")


def test_a_callback_naming_another_issuer_is_refused(world):
    gate = world.gate()
    result = world.callback({"code": "c", "state": query(gate.location)["state"],
                             "iss": "https://evil.example"}, pair(gate.set_cookies[0]))
    assert (result.status, result.problem.reason) == (403, "wrong-issuer")
    assert world.provider.token_requests == []


def test_a_callback_without_a_code_is_refused(world):
    gate = world.gate()
    result = world.callback({"state": query(gate.location)["state"]}, pair(gate.set_cookies[0]))
    assert (result.status, result.problem.reason) == (400, "code-missing")


@pytest.mark.parametrize("answer", [OSError("timed out"), HttpAnswer(502, None)])
def test_a_token_endpoint_that_is_down_gives_503(world, answer):
    gate = world.gate()
    world.provider.token_answer = answer
    result = world.callback({"code": "c", "state": query(gate.location)["state"]},
                            pair(gate.set_cookies[0]))
    assert (result.status, result.problem.reason) == (503, "provider-unavailable")
    assert result.headers["Retry-After"] == "30"


def test_a_bad_code_is_a_400(world):
    gate = world.gate()
    world.provider.token_answer = HttpAnswer(400, {"error": "invalid_grant"})
    result = world.callback({"code": "c", "state": query(gate.location)["state"]},
                            pair(gate.set_cookies[0]))
    assert (result.status, result.problem.reason) == (400, "code-rejected")


STRANGER = ECKey.generate_key("P-256", parameters={"kid": "k-unknown", "alg": "ES256"})
OLD = int((NOW - timedelta(minutes=16, seconds=1)).timestamp())


@pytest.mark.parametrize(("claims", "rule", "reason"), [
    ({"nonce": "another-sign-ins-nonce"}, REQUIRED, "nonce-mismatch"),
    ({"aud": "another-app"}, REQUIRED, "wrong-audience"),
    ({"iss": "https://evil.example"}, REQUIRED, "wrong-issuer"),
    ({"exp": int(NOW.timestamp()) - 120}, REQUIRED, "token-expired"),
    ({"iat": int(NOW.timestamp()) + 120}, REQUIRED, "issued-in-future"),
    ({"key": STRANGER}, REQUIRED, "unknown-key"),
    ({"email_verified": False}, REQUIRED, "email-unverified"),
    ({}, SignInRule(True, 15, MFA), "acr-not-met"),
    ({"auth_time": OLD}, REQUIRED, "sign-in-too-old"),
])
def test_an_id_token_that_fails_a_check_is_a_4xx_with_no_session(world, claims, rule, reason):
    if "nonce" in claims:
        gate = world.gate(rule=rule)
        sent = query(gate.location)
        world.provider.token_answer = HttpAnswer(200, {"id_token": id_token(**claims)})
        result = world.callback({"code": "c", "state": sent["state"]},
                                pair(gate.set_cookies[0]))
    else:
        result, _, _ = world.sign_in(rule=rule, **claims)
    assert result.problem.reason == reason
    assert 400 <= result.status < 500
    assert not result.signed_in and result.location is None
    assert not any(c.startswith("greenlight-session=") for c in result.set_cookies)


def test_a_link_that_no_longer_verifies_is_not_exchanged(world):
    gate = world.gate()

    def revoked(link: str) -> tuple[str, SignInRule]:
        raise LinkInvalid("link signature does not verify")

    with pytest.raises(LinkInvalid):
        complete_callback(
            {"code": "c", "state": query(gate.location)["state"]}, pair(gate.set_cookies[0]),
            keys=KEYS, now=NOW, settings=SETTINGS, metadata=world.metadata,
            provider_keys=world.keys, http=world.provider, client_secret=SECRET,
            callback_url=CALLBACK, rule_for_link=revoked)
    assert world.provider.token_requests == []


def test_every_way_sign_in_fails_is_a_4xx_or_a_503_never_another_5xx():
    documented = SignInFailed.__doc__.split("Reasons:")[1].replace("\n", " ")
    reasons = {r.strip(" .") for r in documented.split(",")}
    assert reasons <= set(REASONS)
    for reason, (status, _, _) in REASONS.items():
        assert 400 <= status < 500 or status == 503, reason
        assert problem(reason).status == status


def test_the_logs_hold_no_code_token_state_or_cookie(world, caplog):
    caplog.set_level(logging.DEBUG)
    result, params, cookie = world.sign_in()
    id_token_sent = world.provider.token_answer.body["id_token"]
    world.provider.token_answer = HttpAnswer(400, {"error": "invalid_grant"})
    world.callback(params, cookie)  # a replay, refused
    secrets = [params["code"], params["state"], cookie.split("=", 1)[1], id_token_sent,
               result.set_cookies[0].split(";")[0].split("=", 1)[1], SECRET]
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "signed in" in logged and "sign-in refused" in logged
    for secret in secrets:
        assert secret not in logged


# The POST of the form


def test_a_vote_without_a_session_under_a_sign_in_rule_is_refused():
    with pytest.raises(SignInRequired) as refused:
        gate_vote(ALICE, REQUIRED, None, keys=KEYS, now=NOW)
    assert refused.value.reason == "sign-in-required"
    assert refused.value.problem.status == 403


def test_a_vote_with_a_sign_in_older_than_the_max_age_is_refused():
    cookies = session_for(ALICE, identity(minutes_ago=10))
    assert gate_vote(ALICE, REQUIRED, cookies, keys=KEYS, now=NOW).email == ALICE
    with pytest.raises(SignInRequired) as refused:
        gate_vote(ALICE, REQUIRED, cookies, keys=KEYS, now=NOW + timedelta(minutes=7))
    assert refused.value.reason == "sign-in-too-old"


def test_a_vote_with_a_session_without_the_rules_acr_is_refused():
    cookies = session_for(ALICE, identity(acr="urn:acme:pwd"))
    with pytest.raises(SignInRequired) as refused:
        gate_vote(ALICE, SignInRule(True, 15, MFA), cookies, keys=KEYS, now=NOW)
    assert refused.value.reason == "acr-not-met"
    with_mfa = session_for(ALICE, identity(acr=MFA))
    assert gate_vote(ALICE, SignInRule(True, 15, MFA), with_mfa, keys=KEYS, now=NOW).acr == MFA


def test_a_vote_on_alices_link_with_bobs_session_is_refused():
    with pytest.raises(SignInRequired):
        gate_vote(ALICE, REQUIRED, session_for(BOB, identity(BOB)), keys=KEYS, now=NOW)


def test_a_vote_with_a_forged_session_is_refused():
    forged = pair(session_cookie(identity(), ALICE, ["z" * 40], NOW, timedelta(hours=1), "/"))
    with pytest.raises(SignInRequired):
        gate_vote(ALICE, REQUIRED, forged, keys=KEYS, now=NOW)


def test_a_vote_under_a_rule_without_sign_in_needs_no_session():
    assert gate_vote(ALICE, SIGN_IN_OFF, None, keys=KEYS, now=NOW) is None


# What is kept and said of the vote


def test_the_vote_keeps_issuer_sub_email_auth_time_amr_and_acr():
    who = VerifiedIdentity(issuer=ISSUER, subject="00u-alice", email=ALICE,
                           auth_time=NOW - timedelta(minutes=2), amr=("pwd", "otp"), acr=MFA)
    assert identity_record(who) == {
        "issuer": ISSUER, "sub": "00u-alice", "email": ALICE,
        "auth_time": "2026-11-27T09:58:00+00:00", "amr": ["pwd", "otp"], "acr": MFA}
    bare = VerifiedIdentity(issuer=ISSUER, subject="s", email=ALICE)
    assert identity_record(bare) == {"issuer": ISSUER, "sub": "s", "email": ALICE}


@pytest.mark.parametrize(("issuer", "said"), [
    ("https://login.acme.com", "signed in via login.acme.com"),
    ("http://127.0.0.1:40123", "signed in via 127.0.0.1:40123"),
    ("https://login.microsoftonline.com/9188040d/v2.0", "signed in via login.microsoftonline.com"),
])
def test_the_summary_names_the_providers_host(issuer, said):
    assert verified_via(identity(issuer=issuer)) == said


# Pages


@pytest.mark.parametrize("reason", sorted(set(REASONS) - {"identity-mismatch"}))
def test_each_sign_in_problem_has_a_page_that_says_nothing_was_decided(reason):
    found = problem(reason, retry_url=f"{API_URL}/approvals/{LINK}")
    status, html = signin_problem_page(TEMPLATES, found)
    assert status == REASONS[reason][0]
    assert f"<h1>{REASONS[reason][1]}</h1>".replace("'", "&#39;") in html
    assert "Nothing was decided." in html
    assert f'href="{API_URL}/approvals/{LINK}"' in html


def test_the_mismatch_page_escapes_what_the_provider_said():
    status, html = signin_problem_page(TEMPLATES, mismatch("<b>x</b>@example.com", ALICE))
    assert status == 403
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;@example.com" in html
    assert html.count("Nothing was decided.") == 1


def test_a_refused_vote_has_its_page():
    status, html = signin_problem_page(TEMPLATES, SignInRequired("sign-in-required"))
    assert status == 403 and "Sign in before you vote" in html
