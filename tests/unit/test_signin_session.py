"""The sign-in's state and cookies: signed, expiring, bound to the browser and the approver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from greenlight.signin import SignInFailed, VerifiedIdentity
from greenlight.signin_session import (
    STATE_SALT,
    clear_attempt_cookie,
    read_session,
    resume_sign_in,
    session_cookie,
    start_sign_in,
)

KEYS = ["k" * 40]
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
LINK = "/Prod/approvals/eyJ2IjoxfQ.signature"
CALLBACK = "/Prod/auth/callback"
ALICE = VerifiedIdentity(
    issuer="https://login.example.com", subject="00u1alice", email="alice@example.com",
    auth_time=NOW - timedelta(minutes=1), amr=("pwd",), acr=None)


def cookie_pair(set_cookie: str) -> str:
    return set_cookie.split(";")[0]


def resume_reason(state: str, cookie: str | None, now: datetime = NOW,
                  keys: list[str] = KEYS) -> str:
    with pytest.raises(SignInFailed) as failure:
        resume_sign_in(state, cookie, keys, now)
    return failure.value.reason


def test_a_callback_in_the_browser_that_started_resumes_its_attempt():
    start = start_sign_in(LINK, KEYS, NOW, CALLBACK)
    header = f"other=1; {cookie_pair(start.attempt_cookie)}"
    assert resume_sign_in(start.state, header, KEYS, NOW + timedelta(minutes=9)) == start.attempt
    assert start.attempt.link == LINK
    assert len(start.attempt.code_verifier) == 43


def test_the_state_in_the_callback_url_holds_neither_nonce_nor_verifier():
    start = start_sign_in(LINK, KEYS, NOW, CALLBACK)
    payload = URLSafeTimedSerializer(KEYS, salt=STATE_SALT).loads_unsafe(start.state)[1]
    for secret in (start.attempt.nonce, start.attempt.code_verifier):
        assert secret not in start.state
        assert secret not in str(payload)


def test_a_stolen_callback_replayed_in_another_browser_is_refused():
    victim = start_sign_in(LINK, KEYS, NOW, CALLBACK)
    thief = start_sign_in(LINK, KEYS, NOW, CALLBACK)
    assert resume_reason(victim.state, None) == "browser-mismatch"
    assert resume_reason(victim.state, cookie_pair(thief.attempt_cookie)) == "browser-mismatch"
    renamed = cookie_pair(thief.attempt_cookie).replace(
        thief.attempt.attempt_id, victim.attempt.attempt_id, 1)
    assert resume_reason(victim.state, renamed) == "browser-mismatch"


def test_a_tampered_or_foreign_state_is_refused():
    start = start_sign_in(LINK, KEYS, NOW, CALLBACK)
    cookie = cookie_pair(start.attempt_cookie)
    tampered = start.state[:-2] + ("AA" if start.state[-2:] != "AA" else "BB")
    assert resume_reason(tampered, cookie) == "state-invalid"
    assert resume_reason(start.state, cookie, keys=["z" * 40]) == "state-invalid"
    assert resume_reason("x" * 10_000, cookie) == "state-invalid"


def test_a_state_older_than_ten_minutes_is_refused():
    start = start_sign_in(LINK, KEYS, NOW, CALLBACK)
    cookie = cookie_pair(start.attempt_cookie)
    assert resume_reason(start.state, cookie, now=NOW + timedelta(minutes=10, seconds=1)) == (
        "state-expired")


def test_the_attempt_cookie_is_scoped_to_the_callback_and_cleared_after():
    start = start_sign_in(LINK, KEYS, NOW, CALLBACK)
    flags = start.attempt_cookie.split("; ")[1:]
    assert flags == [f"Path={CALLBACK}", "Max-Age=600", "HttpOnly", "Secure", "SameSite=Lax"]
    cleared = clear_attempt_cookie(start.attempt, CALLBACK)
    assert cleared.startswith(f"greenlight-signin-{start.attempt.attempt_id}=;")
    assert "Max-Age=0" in cleared


def test_the_session_cookie_is_httponly_secure_lax_and_scoped_to_the_stage():
    cookie = session_cookie(ALICE, "alice@example.com", KEYS, NOW, timedelta(minutes=15), "/Prod")
    assert cookie.startswith("greenlight-session=")
    assert cookie.split("; ")[1:] == [
        "Path=/Prod", "Max-Age=900", "HttpOnly", "Secure", "SameSite=Lax"]


def test_a_session_reads_back_as_the_identity_that_signed_in():
    cookie = cookie_pair(session_cookie(ALICE, "alice@example.com", KEYS, NOW,
                                        timedelta(minutes=15), "/Prod"))
    assert read_session(cookie, KEYS, NOW + timedelta(minutes=14), "alice@example.com") == ALICE


def test_a_session_does_not_vote_on_another_approvers_link():
    cookie = cookie_pair(session_cookie(ALICE, "alice@example.com", KEYS, NOW,
                                        timedelta(minutes=15), "/Prod"))
    assert read_session(cookie, KEYS, NOW, "bob@example.com") is None


def test_an_expired_altered_or_foreign_session_is_no_session():
    cookie = cookie_pair(session_cookie(ALICE, "alice@example.com", KEYS, NOW,
                                        timedelta(minutes=15), "/Prod"))
    later = NOW + timedelta(minutes=15, seconds=1)
    assert read_session(cookie, KEYS, later, "alice@example.com") is None
    assert read_session(cookie[:-3] + "abc", KEYS, NOW, "alice@example.com") is None
    assert read_session(cookie, ["z" * 40], NOW, "alice@example.com") is None
    assert read_session(None, KEYS, NOW, "alice@example.com") is None


def test_a_sign_in_state_cannot_be_passed_off_as_a_session():
    start = start_sign_in(LINK, KEYS, NOW, CALLBACK)
    assert read_session(f"greenlight-session={start.state}", KEYS, NOW, LINK) is None
