"""Vote MACs: each vote in the table carries an HMAC over what it decides, under a key only the
decide and remind functions hold, so a vote written by anyone else is never counted.

The MAC covers the request (its token's digest), the approver, the decision, the vote's time
and a digest of the comment; a vote with any of them changed, or signed with a key that is not
in the vote secret, does not verify. Keys rotate as the link keys do: the newest signs, every
listed key verifies.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from itsdangerous import Signer

SALT = "greenlight.vote.v1"


def comment_digest(comment: str) -> str:
    return hashlib.sha256(comment.encode("utf-8")).hexdigest()


def ballot_text(request_id: str, approver: str, decision: str, at: datetime,
                comment: str) -> str:
    """What a vote's MAC covers: JSON, so no field can run into the next."""
    when = at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps([SALT, request_id, approver, decision, when, comment_digest(comment)],
                      separators=(",", ":"))


def _signer(keys: list[str]) -> Signer:
    # itsdangerous signs with the last key, verifies with any, and compares signatures with
    # hmac.compare_digest; the salt keeps vote MACs apart from link signatures.
    return Signer(keys, salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256)


def sign_vote(keys: list[str], request_id: str, approver: str, decision: str, at: datetime,
              comment: str) -> str:
    """The MAC stored with a vote, under the newest vote key."""
    if not keys:
        raise ValueError("no vote key to sign with")
    signer = _signer(keys)
    return signer.get_signature(ballot_text(request_id, approver, decision, at, comment)).decode()


def vote_is_genuine(keys: list[str], mac: object, request_id: str, approver: str,
                    decision: str, at: datetime, comment: str) -> bool:
    """Whether `mac` is a vote key's MAC over exactly this vote; False for anything else."""
    if not keys or not isinstance(mac, str) or not mac or len(mac) > 100:
        return False
    try:
        text = ballot_text(request_id, approver, decision, at, comment)
    except (ValueError, OverflowError, TypeError):
        return False
    return _signer(keys).verify_signature(text, mac)
