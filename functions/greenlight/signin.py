"""Sign-in with OpenID Connect (authorization code flow with PKCE), as a relying party.

Authlib builds the protocol messages and joserfc checks the ID token's signature; this module
decides what to trust. It reaches the provider only through the `Http` port handed in, and
takes its keys and clock as arguments. The browser binding and session cookies are in
greenlight.signin_session.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet

from greenlight.config import normalise_email

SCOPE = "openid email"
# Signatures Greenlight accepts on an ID token: asymmetric only, never "none" or a MAC.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA")
MAX_TOKEN_LENGTH = 16_384
MAX_CODE_LENGTH = 2_048
METADATA_MAX_AGE = timedelta(hours=1)
JWKS_MAX_AGE = timedelta(hours=6)
# On an unknown kid the key set is fetched again, but not more often than this.
JWKS_MIN_REFRESH = timedelta(seconds=30)


class SignInFailed(Exception):
    """Sign-in did not prove who the approver is; `reason` says why, never with a token in it.

    Reasons: provider-unavailable, provider-misconfigured, issuer-mismatch, code-rejected,
    client-rejected, no-id-token, malformed-token, unsupported-algorithm, unknown-key,
    bad-signature, wrong-issuer, wrong-audience, wrong-authorized-party, token-expired,
    issued-in-future, missing-claim, nonce-mismatch, auth-time-missing, sign-in-too-old,
    acr-not-met, email-missing, email-unverified, state-invalid, state-expired,
    browser-mismatch.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class HttpAnswer:
    """An answer of the OpenID provider: its status and body."""

    status: int
    body: Any  # the parsed JSON body, or None when it was not JSON


class Http(Protocol):
    """How the relying party reaches the provider; raises OSError when it cannot."""

    def get_json(self, url: str) -> HttpAnswer: ...

    def post_form(self, url: str, body: str, headers: Mapping[str, str]) -> HttpAnswer: ...


@dataclass(frozen=True)
class ProviderMetadata:
    """What Greenlight uses of a provider's /.well-known/openid-configuration."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    signing_algorithms: tuple[str, ...]
    token_endpoint_auth_methods: tuple[str, ...]

    @classmethod
    def from_document(cls, document: Any, expected_issuer: str) -> ProviderMetadata:
        if not isinstance(document, dict):
            raise SignInFailed("provider-misconfigured")
        # OpenID Connect Discovery 4.3: the issuer must be exactly the one configured.
        if document.get("issuer") != expected_issuer:
            raise SignInFailed("issuer-mismatch")
        try:
            urls = {name: _text(document[name]) for name in (
                "authorization_endpoint", "token_endpoint", "jwks_uri")}
            algorithms = _texts(document.get("id_token_signing_alg_values_supported", ["RS256"]))
            methods = _texts(document.get(
                "token_endpoint_auth_methods_supported", ["client_secret_basic"]))
        except (KeyError, TypeError):
            raise SignInFailed("provider-misconfigured") from None
        return cls(issuer=expected_issuer, signing_algorithms=algorithms,
                   token_endpoint_auth_methods=methods, **urls)

    @property
    def accepted_algorithms(self) -> list[str]:
        return [alg for alg in self.signing_algorithms if alg in ALGORITHMS]


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("not text")
    return value


def _texts(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list):
        raise TypeError("not a list")
    return tuple(_text(v) for v in values)


def _get(http: Http, url: str) -> Any:
    try:
        answer = http.get_json(url)
    except OSError:
        raise SignInFailed("provider-unavailable") from None
    if answer.status != 200 or answer.body is None:
        raise SignInFailed("provider-unavailable")
    return answer.body


def discover(issuer: str, http: Http) -> ProviderMetadata:
    document = _get(http, f"{issuer.rstrip('/')}/.well-known/openid-configuration")
    return ProviderMetadata.from_document(document, issuer)


class MetadataCache:
    """The provider's metadata, fetched once per container and again after METADATA_MAX_AGE."""

    def __init__(self, issuer: str, http: Http, max_age: timedelta = METADATA_MAX_AGE) -> None:
        self.issuer = issuer
        self._http = http
        self._max_age = max_age
        self._metadata: ProviderMetadata | None = None
        self._fetched: datetime | None = None

    def get(self, now: datetime) -> ProviderMetadata:
        if self._metadata is None or self._fetched is None or now - self._fetched > self._max_age:
            self._metadata = discover(self.issuer, self._http)
            self._fetched = now
        return self._metadata


class ProviderKeys:
    """The provider's JWKS: cached, and fetched again once when a token names an unknown kid."""

    def __init__(self, fetch: Callable[[], Any], max_age: timedelta = JWKS_MAX_AGE) -> None:
        self._fetch = fetch
        self._max_age = max_age
        self._keys: KeySet | None = None
        self._fetched: datetime | None = None

    @classmethod
    def over_http(cls, metadata: ProviderMetadata, http: Http) -> ProviderKeys:
        return cls(lambda: _get(http, metadata.jwks_uri))

    def _load(self, now: datetime) -> KeySet:
        try:
            keys = KeySet.import_key_set(self._fetch())
        except SignInFailed:
            raise
        except (JoseError, ValueError, TypeError, KeyError):
            raise SignInFailed("provider-misconfigured") from None
        self._keys, self._fetched = keys, now
        return keys

    def current(self, now: datetime) -> KeySet:
        if self._keys is None or self._fetched is None or now - self._fetched > self._max_age:
            return self._load(now)
        return self._keys

    def refreshed(self, now: datetime) -> KeySet | None:
        """A freshly fetched set, or None when the cached one is too recent to fetch again."""
        if self._fetched is not None and now - self._fetched < JWKS_MIN_REFRESH:
            return None
        return self._load(now)


def authorization_redirect(
    metadata: ProviderMetadata,
    client_id: str,
    redirect_uri: str,
    *,
    state: str,
    nonce: str,
    code_verifier: str,
    max_age: int | None = None,
    prompt: str | None = None,
    acr: str | None = None,
) -> str:
    """The URL to send the approver's browser to; max_age is in seconds (OIDC Core 3.1.2.1)."""
    return str(prepare_grant_uri(
        metadata.authorization_endpoint,
        client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=SCOPE,
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(code_verifier),
        code_challenge_method="S256",
        max_age=None if max_age is None else str(max_age),
        prompt=prompt,
        acr_values=acr,
    ))


def exchange_code(
    metadata: ProviderMetadata,
    code: str,
    redirect_uri: str,
    client_id: str,
    client_secret: str | None,
    code_verifier: str,
    http: Http,
) -> str:
    """Redeems the authorization code at the token endpoint; returns the raw ID token."""
    if not code or len(code) > MAX_CODE_LENGTH:
        raise SignInFailed("code-rejected")
    body = prepare_token_request(
        "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)
    if client_secret is None:
        auth = ClientAuth(client_id, None, "none")
    elif "client_secret_basic" in metadata.token_endpoint_auth_methods:
        # RFC 6749 2.3.1: both parts are form-encoded before they are joined.
        auth = ClientAuth(quote(client_id, safe=""), quote(client_secret, safe=""),
                          "client_secret_basic")
    else:
        auth = ClientAuth(client_id, client_secret, "client_secret_post")
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    _, headers, body = auth.prepare("POST", metadata.token_endpoint, headers, body)
    try:
        answer = http.post_form(metadata.token_endpoint, body, headers)
    except OSError:
        raise SignInFailed("provider-unavailable") from None
    if answer.status >= 500:
        raise SignInFailed("provider-unavailable")
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    if answer.status == 401 or error == "invalid_client":
        raise SignInFailed("client-rejected")
    if answer.status != 200 or error is not None:
        raise SignInFailed("code-rejected")
    id_token = answer.body.get("id_token") if isinstance(answer.body, dict) else None
    if not isinstance(id_token, str) or not id_token:
        raise SignInFailed("no-id-token")
    return id_token


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who signed in, as the provider asserted it in a verified ID token."""

    issuer: str
    subject: str
    email: str
    auth_time: datetime | None = None
    amr: tuple[str, ...] = ()
    acr: str | None = None

    def signed_in_within(self, now: datetime, minutes: int, leeway_seconds: int = 0) -> bool:
        """Whether the provider authenticated the approver at most `minutes` ago."""
        if self.auth_time is None:
            return False
        age = now - self.auth_time
        return age <= timedelta(minutes=minutes, seconds=leeway_seconds)


def _decode(id_token: str, metadata: ProviderMetadata, keys: ProviderKeys,
            now: datetime) -> dict[str, Any]:
    algorithms = metadata.accepted_algorithms
    if not algorithms:
        raise SignInFailed("unsupported-algorithm")
    try:
        try:
            token = jwt.decode(id_token, keys.current(now), algorithms=algorithms)
        except InvalidKeyIdError:
            fresh = keys.refreshed(now)
            if fresh is None:
                raise
            token = jwt.decode(id_token, fresh, algorithms=algorithms)
    except InvalidKeyIdError:
        raise SignInFailed("unknown-key") from None
    except UnsupportedAlgorithmError:
        raise SignInFailed("unsupported-algorithm") from None
    except BadSignatureError:
        raise SignInFailed("bad-signature") from None
    except (JoseError, ValueError, TypeError):
        raise SignInFailed("malformed-token") from None
    return dict(token.claims)


def _check_times(claims: dict[str, Any], now: datetime, leeway_seconds: int) -> None:
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()), leeway=leeway_seconds,
        exp={"essential": True}, iat={"essential": True})
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise SignInFailed("token-expired") from None
    except MissingClaimError:
        raise SignInFailed("missing-claim") from None
    except InvalidClaimError as error:
        reason = "issued-in-future" if error.claim in ("iat", "nbf") else "malformed-token"
        raise SignInFailed(reason) from None


def _check_audience(claims: dict[str, Any], client_id: str) -> None:
    # OIDC Core 3.1.3.7, steps 3 to 5.
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise SignInFailed("wrong-audience")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise SignInFailed("wrong-authorized-party")


def _auth_time(claims: dict[str, Any], now: datetime, max_age_minutes: int | None,
               leeway_seconds: int) -> datetime | None:
    value = claims.get("auth_time")
    if value is None:
        if max_age_minutes is not None:
            raise SignInFailed("auth-time-missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SignInFailed("malformed-token")
    try:
        auth_time = datetime.fromtimestamp(value, tz=now.tzinfo)
    except (OverflowError, OSError, ValueError):
        raise SignInFailed("malformed-token") from None
    if auth_time - now > timedelta(seconds=leeway_seconds):
        raise SignInFailed("issued-in-future")
    if max_age_minutes is not None and now - auth_time > timedelta(
            minutes=max_age_minutes, seconds=leeway_seconds):
        raise SignInFailed("sign-in-too-old")
    return auth_time


def _email(claims: dict[str, Any], email_claim: str, trust_unverified_email: bool) -> str:
    value = claims.get(email_claim)
    if not isinstance(value, str):
        raise SignInFailed("email-missing")
    # email_verified qualifies the standard email claim; a directory claim chosen by the
    # operator instead (Entra ID's upn, say) is the directory's own assertion.
    verified = claims.get("email_verified")
    if (email_claim == "email" and not trust_unverified_email
            and verified is not True and verified != "true"):
        raise SignInFailed("email-unverified")
    try:
        return normalise_email(value)
    except ValueError:
        raise SignInFailed("email-missing") from None


def verify_id_token(
    id_token: str,
    metadata: ProviderMetadata,
    jwks_fetcher: ProviderKeys,
    *,
    client_id: str,
    nonce: str,
    now: datetime,
    max_age_minutes: int | None,
    required_acr: str | None,
    leeway_seconds: int = 60,
    trust_unverified_email: bool = False,
    email_claim: str = "email",
) -> VerifiedIdentity:
    """The identity in an ID token, after every check of OIDC Core 3.1.3.7 that applies."""
    if not isinstance(id_token, str) or len(id_token) > MAX_TOKEN_LENGTH:
        raise SignInFailed("malformed-token")
    claims = _decode(id_token, metadata, jwks_fetcher, now)
    if claims.get("iss") != metadata.issuer:
        raise SignInFailed("wrong-issuer")
    _check_audience(claims, client_id)
    _check_times(claims, now, leeway_seconds)
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(
            token_nonce.encode(), nonce.encode()):
        raise SignInFailed("nonce-mismatch")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SignInFailed("missing-claim")
    auth_time = _auth_time(claims, now, max_age_minutes, leeway_seconds)
    acr = claims.get("acr")
    if acr is not None and not isinstance(acr, str):
        raise SignInFailed("malformed-token")
    if required_acr is not None and acr != required_acr:
        raise SignInFailed("acr-not-met")
    amr = claims.get("amr", [])
    if not isinstance(amr, list) or not all(isinstance(m, str) for m in amr):
        raise SignInFailed("malformed-token")
    return VerifiedIdentity(
        issuer=metadata.issuer,
        subject=subject,
        email=_email(claims, email_claim, trust_unverified_email),
        auth_time=auth_time,
        amr=tuple(amr),
        acr=acr,
    )
