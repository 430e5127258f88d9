"""The sign-in's state between Greenlight and the approver's browser: the signed `state`
parameter, the cookie that binds a sign-in to the browser that started it, and the session
cookie that stands for a verified identity afterwards.

The `state` travels through the provider and back in the callback URL, next to the code, so it
carries the link and an attempt id but neither the nonce nor the PKCE verifier: those derive
from a secret held only in the browser's attempt cookie. Whoever reads a callback URL (a
referrer, a log, a history) can then redeem neither the code nor the ID token in it. A code is
redeemed at most once by the provider, which makes each state single-use in effect; a store
that records spent attempt ids (store.py, when wired in) would make it so on our side too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadData, SignatureExpired

from greenlight.payloads import timed_serializer
from greenlight.signin import SignInFailed, VerifiedIdentity

STATE_SALT = "greenlight.sign-in-state.v1"
ATTEMPT_SALT = "greenlight.sign-in-attempt.v1"
SESSION_SALT = "greenlight.sign-in-session.v1"
STATE_MAX_AGE = timedelta(minutes=10)
ATTEMPT_COOKIE_PREFIX = "greenlight-signin-"
SESSION_COOKIE = "greenlight-session"
MAX_STATE_LENGTH = 8_192


def _derive(secret: bytes, purpose: bytes) -> str:
    digest = hmac.new(secret, purpose, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class SignInAttempt:
    """One sign-in, from the redirect to the callback."""

    link: str
    attempt_id: str
    nonce: str
    code_verifier: str  # 43 characters, as RFC 7636 4.1 allows


def _attempt(link: str, attempt_id: str, secret: bytes) -> SignInAttempt:
    return SignInAttempt(link=link, attempt_id=attempt_id,
                         nonce=_derive(secret, b"nonce"), code_verifier=_derive(secret, b"pkce"))


@dataclass(frozen=True)
class SignInStart:
    """A sign-in begun: the attempt, its state and the cookie that binds it to the browser."""

    attempt: SignInAttempt
    state: str
    attempt_cookie: str  # a Set-Cookie header value


def _cookie(name: str, value: str, path: str, max_age: int) -> str:
    return f"{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Lax"


def _cookies(header: str | None) -> dict[str, str]:
    """The cookies of a Cookie header; the first of a repeated name wins, as browsers send
    the most specific path first."""
    found: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip()
    return found


def start_sign_in(link: str, keys: list[str], now: datetime, callback_path: str) -> SignInStart:
    """A new attempt for `link`: the state to send and the cookie to set on the redirect."""
    attempt_id = secrets.token_urlsafe(9)
    secret = secrets.token_bytes(32)
    state = timed_serializer(keys, STATE_SALT, now).dumps({"l": link, "i": attempt_id})
    cookie_value = timed_serializer(keys, ATTEMPT_SALT, now).dumps(
        {"i": attempt_id, "s": base64.urlsafe_b64encode(secret).decode()})
    cookie = _cookie(ATTEMPT_COOKIE_PREFIX + attempt_id, cookie_value, callback_path,
                     int(STATE_MAX_AGE.total_seconds()))
    return SignInStart(attempt=_attempt(link, attempt_id, secret), state=state,
                       attempt_cookie=cookie)


def resume_sign_in(state: str, cookie_header: str | None, keys: list[str],
                   now: datetime) -> SignInAttempt:
    """The attempt a callback belongs to, if its state is ours, fresh, and this browser's."""
    if not isinstance(state, str) or len(state) > MAX_STATE_LENGTH:
        raise SignInFailed("state-invalid")
    max_age = int(STATE_MAX_AGE.total_seconds())
    try:
        payload = timed_serializer(keys, STATE_SALT, now).loads(state, max_age=max_age)
        link, attempt_id = payload["l"], payload["i"]
        if not isinstance(link, str) or not isinstance(attempt_id, str):
            raise TypeError("state fields are not text")
    except SignatureExpired:
        raise SignInFailed("state-expired") from None
    except (BadData, KeyError, TypeError):
        raise SignInFailed("state-invalid") from None
    cookie = _cookies(cookie_header).get(ATTEMPT_COOKIE_PREFIX + attempt_id)
    if cookie is None:
        raise SignInFailed("browser-mismatch")
    try:
        bound = timed_serializer(keys, ATTEMPT_SALT, now).loads(cookie, max_age=max_age)
        secret = base64.urlsafe_b64decode(bound["s"])
        same = hmac.compare_digest(str(bound["i"]), attempt_id)
    except (BadData, KeyError, TypeError, ValueError):
        raise SignInFailed("browser-mismatch") from None
    if not same or len(secret) != 32:
        raise SignInFailed("browser-mismatch")
    return _attempt(link, attempt_id, secret)


def clear_attempt_cookie(attempt: SignInAttempt, callback_path: str) -> str:
    """The Set-Cookie header value that ends an attempt in the browser."""
    return _cookie(ATTEMPT_COOKIE_PREFIX + attempt.attempt_id, "", callback_path, 0)


def session_cookie(identity: VerifiedIdentity, approver: str, keys: list[str], now: datetime,
                   max_age: timedelta, path: str) -> str:
    """A Set-Cookie header value for a signed session bound to `approver` and the IdP's sub."""
    value = timed_serializer(keys, SESSION_SALT, now).dumps({
        "a": approver,
        "iss": identity.issuer,
        "sub": identity.subject,
        "e": identity.email,
        "t": None if identity.auth_time is None else int(identity.auth_time.timestamp()),
        "amr": list(identity.amr),
        "acr": identity.acr,
        "x": int(max_age.total_seconds()),
    })
    return _cookie(SESSION_COOKIE, value, path, int(max_age.total_seconds()))


def read_session(cookie_header: str | None, keys: list[str], now: datetime,
                 approver: str) -> VerifiedIdentity | None:
    """The identity of a live session for `approver`, or None (absent, altered, expired, or
    another approver's)."""
    value = _cookies(cookie_header).get(SESSION_COOKIE)
    if not value or len(value) > MAX_STATE_LENGTH:
        return None
    serializer = timed_serializer(keys, SESSION_SALT, now)
    try:
        payload = serializer.loads(value)
        # The age the session was issued for, checked against the signed issue time.
        payload = serializer.loads(value, max_age=int(payload["x"]))
        if not hmac.compare_digest(str(payload["a"]), approver):
            return None
        auth_time = payload["t"]
        return VerifiedIdentity(
            issuer=_text(payload["iss"]),
            subject=_text(payload["sub"]),
            email=_text(payload["e"]),
            auth_time=None if auth_time is None else datetime.fromtimestamp(
                int(auth_time), tz=now.tzinfo),
            amr=tuple(_text(m) for m in payload["amr"]),
            acr=None if payload["acr"] is None else _text(payload["acr"]),
        )
    except (BadData, KeyError, TypeError, ValueError, OverflowError):
        return None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value
