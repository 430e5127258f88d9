"""Signed approval links: one per approver and decision, bound to one approval token.

A link carries what the approver needs to see (so opening it costs one CodePipeline call)
and a digest of the approval token, never the token itself: the token is read back from
CodePipeline when the decision is submitted, and only a matching one is used.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from itsdangerous import BadData
from itsdangerous.encoding import base64_decode, base64_encode

from greenlight.payloads import LinkSerializer

SALT = "greenlight.approval-link.v1"
LINK_VERSION = 1
# A link is produced by us and stays well under this; anything longer is refused unread.
MAX_LINK_LENGTH = 4096
APPROVALS_PATH = "/approvals/"
# One part of a signed value as itsdangerous writes it: unpadded URL-safe base64.
SIGNED_PART = re.compile(r"[A-Za-z0-9_-]+")


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"

    @property
    def status(self) -> str:
        """The value PutApprovalResult takes."""
        return "Approved" if self is Decision.APPROVE else "Rejected"

    @property
    def past_tense(self) -> str:
        return "Approved" if self is Decision.APPROVE else "Rejected"


class LinkInvalid(Exception):
    """The link is not one Greenlight signed with a current key, or it was altered."""


class LinkExpired(Exception):
    """The link was genuine but its approval request has expired."""

    def __init__(self, claims: LinkClaims) -> None:
        super().__init__("approval link expired")
        self.claims = claims


@dataclass(frozen=True)
class Revision:
    """The source revision a run carries, as an approver is shown it."""

    revision_id: str
    message: str | None = None
    url: str | None = None
    branch: str | None = None
    repository: str | None = None

    @property
    def short_id(self) -> str:
        return self.revision_id[:12] if len(self.revision_id) > 12 else self.revision_id


@dataclass(frozen=True)
class ApprovalContext:
    """What an approver is shown about the run they decide on."""

    region: str
    execution_id: str | None = None
    custom_data: str | None = None
    external_entity_link: str | None = None
    revision: Revision | None = None
    trigger: str | None = None
    requester: str | None = None
    # The approvers who count as the requester, comma-separated ("" for nobody), fixed when
    # the request was first announced: without a table, the link is where this is kept.
    requesters: str | None = None
    # The pipeline in the CodePipeline console, as the approval message's consoleLink gave it.
    console_link: str | None = None


@dataclass(frozen=True)
class ApprovalRef:
    """One approval request: an action of a pipeline waiting on one token."""

    pipeline: str
    stage: str
    action: str
    token_digest: str

    def matches_token(self, token: str) -> bool:
        return hmac.compare_digest(self.token_digest, token_digest(token))


@dataclass(frozen=True)
class LinkClaims:
    """What a signed link says: whose vote, which decision, on which approval, until when."""

    pipeline: str
    stage: str
    action: str
    token_digest: str
    approver: str
    decision: Decision
    expires: datetime
    context: ApprovalContext

    @property
    def ref(self) -> ApprovalRef:
        return ApprovalRef(self.pipeline, self.stage, self.action, self.token_digest)

    def matches_token(self, token: str) -> bool:
        return self.ref.matches_token(token)


CONTEXT_FIELDS = tuple(f.name for f in fields(ApprovalContext) if f.name != "revision")
REVISION_FIELDS = tuple(f.name for f in fields(Revision))


def token_digest(token: str) -> str:
    """A one-way, URL-safe digest of an approval token (a random UUID)."""
    raw = hashlib.sha256(token.encode()).digest()[:18]
    return base64.urlsafe_b64encode(raw).decode()


def signing_keys(secret_string: object) -> list[str]:
    """One key, or a JSON array of keys oldest first: the newest signs, every one verifies."""
    if not isinstance(secret_string, str):
        raise ValueError("the signing secret must be a SecretString")
    text = secret_string.strip()
    if text.startswith("["):
        try:
            keys = json.loads(text)
        except ValueError:
            raise ValueError("the signing secret starts with [ but is not a JSON array") from None
        if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
            raise ValueError("the signing secret must be a JSON array of non-empty strings")
    else:
        keys = [text]
    if not keys or any(len(k) < 32 for k in keys):
        raise ValueError("every signing key must be at least 32 characters long")
    return keys


def _serializer(keys: list[str]) -> LinkSerializer:
    return _serializer_of(tuple(keys))


@functools.lru_cache(maxsize=4)
def _serializer_of(keys: tuple[str, ...]) -> LinkSerializer:
    # itsdangerous takes the keys oldest first, signs with the last and verifies with any,
    # comparing signatures in constant time. It keeps no state between calls: one per key
    # set serves every link (a rotation makes a new set, and a new one).
    return LinkSerializer(list(keys), salt=SALT,
                          signer_kwargs={"digest_method": hashlib.sha256})


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v is not None}


def _fields_of(value: ApprovalContext | Revision) -> dict[str, Any]:
    # Their fields are text (and one Revision): no deep copy needed, as `asdict` would make.
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


def _claims_payload(claims: LinkClaims) -> dict[str, Any]:
    context = _fields_of(claims.context)
    if claims.context.revision is not None:
        context["revision"] = _drop_empty(_fields_of(claims.context.revision))
    return {
        "v": LINK_VERSION,
        "p": claims.pipeline,
        "s": claims.stage,
        "a": claims.action,
        "t": claims.token_digest,
        "e": claims.approver,
        "d": claims.decision.value,
        "x": int(claims.expires.timestamp()),
        "c": _drop_empty(context),
    }


def _text(value: Any, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError("a claim is not text")
    return value


def _texts(values: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(values, dict) or set(values) - set(names):
        raise TypeError("a claim holds unknown fields")
    return {name: _text(values.get(name), optional=True) for name in names if name in values}


def _claims_from(payload: Any) -> LinkClaims:
    # The payload is ours (its signature was checked), but a key that signed it may have been
    # shared with another signer: every claim is checked for its type as well.
    try:
        if not isinstance(payload, dict) or payload.get("v") != LINK_VERSION:
            raise LinkInvalid("unknown link version")
        if isinstance(payload["x"], bool) or not isinstance(payload["x"], int):
            raise TypeError("expiry is not a number")
        raw_context = dict(payload["c"])
        raw_revision = raw_context.pop("revision", None)
        context = _texts(raw_context, CONTEXT_FIELDS)
        revision = None if raw_revision is None else _texts(raw_revision, REVISION_FIELDS)
        _text(context.get("region"))
        if revision is not None:
            _text(revision.get("revision_id"))
        for name in ("p", "s", "a", "t", "e", "d"):
            _text(payload[name])
        return LinkClaims(
            pipeline=payload["p"],
            stage=payload["s"],
            action=payload["a"],
            token_digest=payload["t"],
            approver=payload["e"],
            decision=Decision(payload["d"]),
            expires=datetime.fromtimestamp(payload["x"], UTC),
            context=ApprovalContext(
                **context, revision=Revision(**revision) if revision else None
            ),
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        raise LinkInvalid("link payload is malformed") from None


def is_canonical(signed: str) -> bool:
    """True if every part of a signed value is the one encoding itsdangerous writes for it.

    Decoding base64 ignores stray characters, padding and the unused low bits of the last
    character, so several strings carry one signature; only the canonical one is accepted.
    """
    parts = signed.removeprefix(".").split(".")  # a leading "." marks a compressed payload
    for part in parts:
        if not SIGNED_PART.fullmatch(part):
            return False
        try:
            if base64_encode(base64_decode(part)).decode("ascii") != part:
                return False
        except BadData:
            return False
    return len(parts) >= 2


def sign_link(claims: LinkClaims, keys: list[str]) -> str:
    """The opaque, URL-safe part of an approval link."""
    return str(_serializer(keys).dumps(_claims_payload(claims)))


def read_link(signed: str, keys: list[str], now: datetime) -> LinkClaims:
    """Verify a link's signature, then its expiry; raise LinkInvalid or LinkExpired."""
    if not isinstance(signed, str) or not signed or len(signed) > MAX_LINK_LENGTH:
        raise LinkInvalid("link is empty or too long")
    if not is_canonical(signed):
        raise LinkInvalid("link is not in its canonical encoding")
    try:
        payload = _serializer(keys).loads(signed)
    except (BadData, UnicodeError, ValueError):
        # BadSignature's own message repeats the signature: never pass it on.
        raise LinkInvalid("link signature does not verify") from None
    claims = _claims_from(payload)
    if now >= claims.expires:
        raise LinkExpired(claims)
    return claims


def link_url(api_url: str, signed: str) -> str:
    return f"{api_url.rstrip('/')}{APPROVALS_PATH}{signed}"
