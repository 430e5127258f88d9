"""Sign-in before a vote counts: what the decide routes ask when a rule requires it.

`gate_review` answers a link's GET (go ahead, or off to the provider), `complete_callback`
answers `/auth/callback`, `gate_vote` guards the POST, and `identity_record`/`verified_via`
say what is kept with the vote. Every input (keys, clock, settings, the provider's metadata
and keys, the HTTP port) is an argument; nothing here reads the environment or logs a code,
token, cookie or state.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from greenlight.identity import issuer_host
from greenlight.links import link_url
from greenlight.rendering import Templates

# The rule's sign-in fields (pure, no cryptography): re-exported for the routes.
from greenlight.sign_in_rule import (  # noqa: F401
    MAX_AGE_DEFAULT,
    SIGN_IN_FIELDS,
    SIGN_IN_OFF,
    SignInRule,
    sign_in_rule,
    sign_in_rule_from_record,
)
from greenlight.signin import (
    Http,
    MetadataCache,
    ProviderKeys,
    SignInFailed,
    VerifiedIdentity,
    authorization_redirect,
    exchange_code,
    verify_id_token,
)
from greenlight.signin_config import SignInSettings
from greenlight.signin_problems import SignInProblem, mismatch, problem, render_problem
from greenlight.signin_session import (
    clear_attempt_cookie,
    read_session,
    resume_sign_in,
    session_cookie,
    start_sign_in,
)

CALLBACK_PATH = "/auth/callback"
# The clock skew tolerated between the provider and Greenlight, as for the ID token.
LEEWAY_SECONDS = 60
# How long a session cookie lives. Beyond the rule's max age it only tells Greenlight that the
# approver signed in before, so that the provider is asked to sign them in again (prompt=login).
SESSION_LIFETIME = timedelta(hours=1)
# RFC 6749 4.1.2.1 error codes and what they mean here.
PROVIDER_ERRORS = {
    "access_denied": "access-denied",
    "login_required": "login-required",
    "interaction_required": "login-required",
    "consent_required": "access-denied",
    "account_selection_required": "login-required",
    "server_error": "provider-error",
    "temporarily_unavailable": "provider-error",
    # OpenID Connect Core unmet_authentication_requirements: the acr_values could not be met.
    "unmet_authentication_requirements": "acr-not-met",
}
ERROR_CODE = re.compile(r"[a-z_]{1,64}")

log = logging.getLogger(__name__)


def cookie_header(multi_value_headers: Mapping[str, list[str]] | None) -> str | None:
    """All the Cookie headers of a request as one (HTTP/2 browsers may send several)."""
    values = [value for name, found in (multi_value_headers or {}).items()
              if name.lower() == "cookie" for value in found or ()]
    return "; ".join(values) or None


# Where things live


def _api_url(callback_url: str) -> str:
    if not callback_url.endswith(CALLBACK_PATH):
        raise ValueError(f"the callback URL must end with {CALLBACK_PATH}")
    return callback_url[: -len(CALLBACK_PATH)]


def callback_url_for(api_url: str) -> str:
    """The redirect URI registered at the provider: {APPROVAL_API_URL}/auth/callback."""
    return f"{api_url.rstrip('/')}{CALLBACK_PATH}"


def api_url_of_request(domain_name: str | None, scheme: str | None, request_path: str | None,
                       resource_path: str) -> str | None:
    """The API's public base URL, from what API Gateway says of a request: its domain (the
    execute-api host, or a custom domain), and the path the client asked for less the path
    the API routed (leaving /Prod, a custom domain's base path, or nothing). None when the
    request does not say."""
    if not domain_name or not request_path or not request_path.endswith(resource_path):
        return None
    prefix = request_path[: len(request_path) - len(resource_path)].rstrip("/")
    proto = (scheme or "https").split(",")[0].strip().lower()
    return f"{'http' if proto == 'http' else 'https'}://{domain_name}{prefix}"


def stage_path(callback_url: str) -> str:
    """The API stage's path (/Prod), which the session cookie is scoped to."""
    return urlsplit(_api_url(callback_url)).path or "/"


def _session_valid(identity: VerifiedIdentity | None, rule: SignInRule, now: datetime) -> bool:
    return (identity is not None
            and identity.signed_in_within(now, rule.max_age_minutes, LEEWAY_SECONDS)
            and (rule.acr is None or identity.acr == rule.acr))


# The GET of a link


def response_headers(location: str | None, set_cookies: tuple[str, ...],
                     problem: SignInProblem | None) -> dict[str, str | list[str]]:
    """The headers of a sign-in answer: where it sends the browser, the cookies it sets,
    and the problem page's own headers (such as Retry-After)."""
    headers: dict[str, str | list[str]] = {}
    if location:
        headers["Location"] = location
    if set_cookies:
        headers["Set-Cookie"] = list(set_cookies)
    if problem is not None:
        headers.update(problem.headers)
    return headers


@dataclass(frozen=True)
class SignInGate:
    """The answer to a link's GET: go on with `identity`, or send the browser to sign in."""

    allowed: bool
    identity: VerifiedIdentity | None = None
    status: int = 200
    location: str | None = None
    set_cookies: tuple[str, ...] = ()
    problem: SignInProblem | None = None

    @property
    def headers(self) -> dict[str, str | list[str]]:
        return response_headers(self.location, self.set_cookies, self.problem)


def gate_review(link: str, approver: str, rule: SignInRule, cookie_header: str | None, *,
                keys: list[str], now: datetime, settings: SignInSettings | None,
                metadata: MetadataCache, callback_url: str) -> SignInGate:
    """Whether the review page may be shown to this browser for `approver`'s link."""
    if not rule.required:
        return SignInGate(allowed=True)
    session = read_session(cookie_header, keys, now, approver)
    if _session_valid(session, rule, now):
        return SignInGate(allowed=True, identity=session)
    if settings is None:
        # Start-up refuses such a policy (require_sign_in_settings); fail closed all the same.
        return SignInGate(allowed=False, status=503, problem=problem("provider-misconfigured"))
    try:
        provider = metadata.get(now)
    except SignInFailed as failure:
        log.warning("sign-in not started", extra={"reason": failure.reason})
        found = problem(failure.reason)
        return SignInGate(allowed=False, status=found.status, problem=found)
    start = start_sign_in(link, keys, now, urlsplit(callback_url).path)
    location = authorization_redirect(
        provider, settings.client_id, callback_url, state=start.state,
        nonce=start.attempt.nonce, code_verifier=start.attempt.code_verifier,
        max_age=rule.max_age_minutes * 60,
        # A session that no longer qualifies: the provider must authenticate the approver
        # again, not hand back its own, older sign-in.
        prompt="login" if session is not None else None,
        acr=rule.acr)
    log.info("sign-in started", extra={"reauthentication": session is not None})
    return SignInGate(allowed=False, status=303, location=location,
                      set_cookies=(start.attempt_cookie,))


# The callback


@dataclass(frozen=True)
class CallbackResult:
    """The answer to /auth/callback: back to the link with a session, or a problem page."""

    status: int
    location: str | None = None
    set_cookies: tuple[str, ...] = ()
    identity: VerifiedIdentity | None = None
    approver: str | None = None
    problem: SignInProblem | None = None

    @property
    def signed_in(self) -> bool:
        return self.problem is None and self.identity is not None

    @property
    def headers(self) -> dict[str, str | list[str]]:
        return response_headers(self.location, self.set_cookies, self.problem)


def email_of(identity: VerifiedIdentity) -> set[str]:
    """The default resolver: the verified address, lower-cased."""
    return {identity.email.lower()}


def _failed(found: SignInProblem, clear: str | None = None) -> CallbackResult:
    log.info("sign-in refused", extra={"reason": found.reason, "status": found.status})
    return CallbackResult(status=found.status, problem=found,
                          set_cookies=() if clear is None else (clear,))


def _param(params: Mapping[str, str] | None, name: str) -> str | None:
    value = (params or {}).get(name)
    return value if isinstance(value, str) and value else None


def _provider_error(code: str) -> str:
    # Any other (invalid_request, unauthorized_client, invalid_scope, ...): the request
    # Greenlight sent is one this provider will not serve.
    return PROVIDER_ERRORS.get(code, "provider-refused-request")


def complete_callback(
    query_params: Mapping[str, str] | None,
    cookie_header: str | None,
    *,
    keys: list[str],
    now: datetime,
    settings: SignInSettings,
    metadata: MetadataCache,
    provider_keys: ProviderKeys,
    http: Http,
    client_secret: str | None,
    callback_url: str,
    rule_for_link: Callable[[str], tuple[str, SignInRule]],
    resolve_approver: Callable[[VerifiedIdentity], set[str]] = email_of,
) -> CallbackResult:
    """Finishes a sign-in: the identity must be the approver of the link the state carries.

    `rule_for_link(link)` verifies the link again and names its approver and sign-in rule;
    whatever it raises for a bad or expired link (LinkInvalid, LinkExpired) goes through.
    """
    state = _param(query_params, "state")
    if state is None:
        return _failed(problem("state-missing"))
    try:
        attempt = resume_sign_in(state, cookie_header, keys, now)
    except SignInFailed as failure:
        return _failed(problem(failure.reason))
    callback_path = urlsplit(callback_url).path
    clear = clear_attempt_cookie(attempt, callback_path)
    retry = link_url(_api_url(callback_url), attempt.link)
    # RFC 9207: a provider that names itself must be ours (mix-up attacks).
    issuer = _param(query_params, "iss")
    if issuer is not None and issuer != settings.issuer:
        return _failed(problem("wrong-issuer", retry_url=retry), clear)
    error = _param(query_params, "error")
    if error is not None:
        error_code = error if ERROR_CODE.fullmatch(error) else "other"
        log.info("provider answered with an error", extra={"error": error_code})
        return _failed(problem(_provider_error(error_code), retry_url=retry), clear)
    code = _param(query_params, "code")
    if code is None:
        return _failed(problem("code-missing", retry_url=retry), clear)
    approver, rule = rule_for_link(attempt.link)
    try:
        provider = metadata.get(now)
        id_token = exchange_code(provider, code, callback_url, settings.client_id,
                                 client_secret, attempt.code_verifier, http)
        identity = verify_id_token(
            id_token, provider, provider_keys, client_id=settings.client_id,
            nonce=attempt.nonce, now=now, max_age_minutes=rule.max_age_minutes,
            required_acr=rule.acr, leeway_seconds=LEEWAY_SECONDS,
            email_claim=settings.email_claim)
    except SignInFailed as failure:
        return _failed(problem(failure.reason, retry_url=retry), clear)
    if approver.lower() not in {address.lower() for address in resolve_approver(identity)}:
        return _failed(mismatch(identity.email, approver), clear)
    lifetime = max(SESSION_LIFETIME, timedelta(minutes=rule.max_age_minutes))
    session = session_cookie(identity, approver, keys, now, lifetime, stage_path(callback_url))
    log.info("signed in", extra={"via": issuer_host(identity.issuer)})
    return CallbackResult(status=303, location=retry, set_cookies=(session, clear),
                          identity=identity, approver=approver)


def provider_keys_for(metadata: MetadataCache, http: Http,
                      clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ProviderKeys:
    """The provider's key set, fetched from the jwks_uri its (cached) metadata names."""

    def fetch() -> Any:
        jwks_uri = metadata.get(clock()).jwks_uri
        try:
            answer = http.get_json(jwks_uri)
        except OSError:
            raise SignInFailed("provider-unavailable") from None
        if answer.status != 200 or answer.body is None:
            raise SignInFailed("provider-unavailable")
        return answer.body

    return ProviderKeys(fetch)


# The POST of the form


class SignInRequired(Exception):
    """A vote under a rule that requires sign-in came without a qualifying session."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problem = problem(reason)


def gate_vote(approver: str, rule: SignInRule, cookie_header: str | None, *,
              keys: list[str], now: datetime) -> VerifiedIdentity | None:
    """The identity a vote is cast with; None when the rule does not ask for one."""
    if not rule.required:
        return None
    session = read_session(cookie_header, keys, now, approver)
    if session is None:
        raise SignInRequired("sign-in-required")
    if not _session_valid(session, rule, now):
        raise SignInRequired("acr-not-met" if rule.acr and session.acr != rule.acr
                             else "sign-in-too-old")
    return session


# What is kept and said of the vote


def identity_record(identity: VerifiedIdentity) -> dict[str, Any]:
    """How the approver was verified, as it is stored with the vote."""
    record: dict[str, Any] = {"issuer": identity.issuer, "sub": identity.subject,
                              "email": identity.email}
    if identity.auth_time is not None:
        record["auth_time"] = identity.auth_time.astimezone(UTC).isoformat()
    if identity.amr:
        record["amr"] = list(identity.amr)
    if identity.acr is not None:
        record["acr"] = identity.acr
    return record


def verified_via(identity: VerifiedIdentity) -> str:
    """For the summary: "signed in via login.acme.com"."""
    return f"signed in via {issuer_host(identity.issuer)}"


# Pages


def signin_problem_page(
    templates: Templates,
    result: SignInProblem | CallbackResult | SignInGate | SignInRequired,
) -> tuple[int, str]:
    """The status and HTML of the page for a sign-in that did not let a vote count."""
    found = result if isinstance(result, SignInProblem) else result.problem
    if found is None:
        raise ValueError("this sign-in result is not a problem")
    return render_problem(templates, found)
