"""Vote MACs: each vote in the table carries an HMAC over what it decides, under a key only the
decide and remind functions hold, so a vote written by anyone else is never counted.

The MAC covers the request (its token's digest), the approver, the decision, the vote's time,
a digest of the comment and, for a vote cast signed in or from Slack, a digest of the verified
identity (the OpenID issuer and subject; or `via: slack` with the Slack user and team ids that
Slack signed for); a vote with any of them changed, or signed with a key that is not in the
vote secret, does not verify. Keys rotate as the link keys do: the newest signs, every listed
key verifies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from itsdangerous import Signer

SALT = "greenlight.vote.v1"


def comment_digest(comment: str) -> str:
    return hashlib.sha256(comment.encode("utf-8")).hexdigest()


def identity_digest(identity: Mapping[str, Any]) -> str:
    """A digest of how the approver was verified (issuer, sub, email, auth_time, amr, acr)."""
    text = json.dumps(dict(identity), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ballot_text(request_id: str, approver: str, decision: str, at: datetime,
                comment: str, identity: Mapping[str, Any] | None = None) -> str:
    """What a vote's MAC covers: JSON, so no field can run into the next. A vote cast
    without sign-in covers exactly what it did before sign-in existed."""
    when = at.astimezone(UTC).isoformat(timespec="microseconds")
    fields = [SALT, request_id, approver, decision, when, comment_digest(comment)]
    if identity is not None:
        fields.append(identity_digest(identity))
    return json.dumps(fields, separators=(",", ":"))


def _signer(keys: list[str]) -> Signer:
    # itsdangerous signs with the last key, verifies with any, and compares signatures with
    # hmac.compare_digest; the salt keeps vote MACs apart from link signatures.
    return Signer(keys, salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256)


def sign_vote(keys: list[str], request_id: str, approver: str, decision: str, at: datetime,
              comment: str, identity: Mapping[str, Any] | None = None) -> str:
    """The MAC stored with a vote, under the newest vote key."""
    if not keys:
        raise ValueError("no vote key to sign with")
    signer = _signer(keys)
    text = ballot_text(request_id, approver, decision, at, comment, identity)
    return signer.get_signature(text).decode()


def vote_is_genuine(keys: list[str], mac: object, request_id: str, approver: str,
                    decision: str, at: datetime, comment: str,
                    identity: Mapping[str, Any] | None = None) -> bool:
    """Whether `mac` is a vote key's MAC over exactly this vote; False for anything else."""
    if not keys or not isinstance(mac, str) or not mac or len(mac) > 100:
        return False
    try:
        text = ballot_text(request_id, approver, decision, at, comment, identity)
    except (ValueError, OverflowError, TypeError):
        return False
    return _signer(keys).verify_signature(text, mac)


# --- the request's seal: what notify pinned when it first recorded the request ---

SEAL_SALT = "greenlight.request-seal.v1"
# The attributes of a request item that decide who may vote and what a decision needs. They
# are written once, by notify; votes, status, mails and reminders change, these never do.
PINNED_ATTRIBUTES = (
    "request_id", "pipeline", "stage", "action", "expires_at", "context", "rule",
    "approvers", "min_approvals", "approvals_needed", "reject_needs_reason", "requesters",
    "requester_known", "requester_conflict", "separation", "sign_in", "sign_in_max_age_minutes",
    "sign_in_acr", "sign_in_identities", "slack", "slack_identities",
)


def _plain(value: Any) -> Any:
    """DynamoDB's numbers and sets as JSON takes them, so an item reads back to one text."""
    if type(value) is str:  # most of an item: its names, addresses and texts
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def pinned_text(item: Mapping[str, Any]) -> str:
    """The pinned attributes of a request item as one canonical text."""
    pinned = {name: _plain(item[name]) for name in PINNED_ATTRIBUTES if name in item}
    return json.dumps([SEAL_SALT, pinned], sort_keys=True, separators=(",", ":"))


def _sealer(keys: list[str]) -> Signer:
    return Signer(keys, salt=SEAL_SALT, key_derivation="hmac", digest_method=hashlib.sha256)


def seal_request(keys: list[str], item: Mapping[str, Any]) -> str:
    """The seal notify stores with a new request, under the newest link key."""
    if not keys:
        raise ValueError("no key to seal the request with")
    return _sealer(keys).get_signature(pinned_text(item)).decode()


def seal_holds(keys: list[str], text: str, seal: object) -> bool:
    """Whether `seal` is a link key's seal over `text` (a request's pinned_text)."""
    if not keys or not isinstance(seal, str) or not seal or len(seal) > 100:
        return False
    return _sealer(keys).verify_signature(text, seal)
