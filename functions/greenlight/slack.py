"""Slack as a second way to vote: its settings, the policy's `slack` field, the signed requests
Slack sends to the interactions route, and the opaque reference its buttons carry.

Slack signs every request with the app's signing secret (`v0:{timestamp}:{body}`, HMAC-SHA256);
slack_sdk's SignatureVerifier checks it, in constant time, against a clock given here. What a
payload says is trusted only once that check passed; its shape is checked all the same.
Block Kit messages are built in greenlight.slack_messages, Web API calls made in
greenlight.slack_api.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from itsdangerous import BadData
from slack_sdk.signature import Clock, SignatureVerifier

from greenlight.config import ConfigurationError
from greenlight.links import Decision, is_canonical
from greenlight.payloads import LinkSerializer
from greenlight.policy import PolicyError

DEFAULT_API_URL = "https://slack.com/api/"
# Slack refuses nothing older itself; its guide asks apps to refuse requests more than five
# minutes off, which SignatureVerifier does. Replays are remembered for as long.
REPLAY_WINDOW_SECONDS = 5 * 60
# Interaction payloads carry the message they came from; ours stay far below this.
MAX_INTERACTION_BYTES = 128 * 1024
MAX_REF_LENGTH = 1000  # a button's value may hold 2000 characters; a ref is far shorter
MAX_COMMENT = 1000
REF_SALT = "greenlight.slack-ref.v1"
REF_VERSION = 1

APPROVE_ACTION = "greenlight_approve"
REJECT_ACTION = "greenlight_reject"
ACTIONS = {APPROVE_ACTION: Decision.APPROVE, REJECT_ACTION: Decision.REJECT}
VOTE_CALLBACK = "greenlight_vote"  # the modal's callback_id is `greenlight_vote:<decision>`
COMMENT_BLOCK = "comment"
COMMENT_ACTION = "comment"

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,30}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,30}$")
MESSAGE_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")
TRIGGER_ID = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
SLACK_RULE_FIELDS = {"channel", "mention"}


# --- settings and policy ---------------------------------------------------------------------

@dataclass(frozen=True)
class SlackSettings:
    """Where the bot token and signing secret are kept (Secrets Manager ARNs) and the Web
    API's base URL, which ends in a slash as slack_sdk's WebClient wants it."""

    bot_token_arn: str
    signing_secret_arn: str
    api_url: str = DEFAULT_API_URL

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings | None:
        """The settings, or None when Slack is off (neither secret is named)."""
        token = env.get("SLACK_BOT_TOKEN_ARN", "").strip()
        secret = env.get("SLACK_SIGNING_SECRET_ARN", "").strip()
        if not token and not secret:
            return None
        for name, value in (("SLACK_BOT_TOKEN_ARN", token), ("SLACK_SIGNING_SECRET_ARN", secret)):
            if not value:
                raise ConfigurationError(f"{name} is not set, but Slack is configured; set "
                                         "both SLACK_BOT_TOKEN_ARN and SLACK_SIGNING_SECRET_ARN")
        return cls(token, secret, api_url_of(env.get("SLACK_API_URL", "")))


def api_url_of(raw: str) -> str:
    url = raw.strip() or DEFAULT_API_URL
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError("SLACK_API_URL must be the Web API's base URL, such as "
                                 f"{DEFAULT_API_URL} (got {url!r})")
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class SlackRule:
    """Where a rule's requests are posted, and whether the message @-mentions its approvers."""

    channel: str
    mention: bool = False


def slack_rule(raw: Any, where: str) -> SlackRule | None:
    """The `slack` field of a policy rule; raise PolicyError saying what is wrong."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be an object with a channel id")
    unknown = set(raw) - SLACK_RULE_FIELDS
    if unknown:
        raise PolicyError(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    channel = raw.get("channel")
    if not isinstance(channel, str) or not CHANNEL_ID.fullmatch(channel):
        raise PolicyError(f"{where}.channel must be a Slack channel id such as C0123ABCD "
                          "(not its name)")
    mention = raw.get("mention", False)
    if not isinstance(mention, bool):
        raise PolicyError(f"{where}.mention must be true or false")
    return SlackRule(channel=channel, mention=mention)


# --- signed requests ---------------------------------------------------------------------------

class SlackRequestRefused(Exception):
    """The request is not one Slack signed for this app lately; `reason` says which check
    failed (`missing-signature`, `bad-timestamp`, `stale`, `bad-signature`, `replayed`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"slack request refused: {reason}")
        self.reason = reason


class _FixedClock(Clock):
    def __init__(self, now: datetime) -> None:
        self._now = now.timestamp()

    def now(self) -> float:
        return self._now


# Called with a digest of a verified request and its timestamp; true the first time that
# digest is seen, false after (a DynamoDB conditional put, or `remember_in` below).
FirstSeen = Callable[[str, int], bool]


def request_digest(timestamp: str, raw_body: bytes) -> str:
    return hashlib.sha256(b"v0:" + timestamp.encode("ascii") + b":" + raw_body).hexdigest()


def verify_request(headers: Mapping[str, str], raw_body: bytes, signing_secret: str,
                   now: datetime, first_seen: FirstSeen | None = None) -> None:
    """Refuse (SlackRequestRefused) a request Slack did not sign with `signing_secret` within
    five minutes of `now`, or one already seen; return None for a genuine, new one."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get("x-slack-request-timestamp")
    signature = lowered.get("x-slack-signature")
    if not timestamp or not signature:
        raise SlackRequestRefused("missing-signature")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise SlackRequestRefused("bad-timestamp")
    verifier = SignatureVerifier(signing_secret, clock=_FixedClock(now))
    try:
        genuine = verifier.is_valid(body=raw_body, timestamp=timestamp, signature=signature)
    except UnicodeDecodeError:  # the verifier decodes the body as UTF-8
        genuine = False
    if not genuine:
        stale = abs(now.timestamp() - int(timestamp)) > REPLAY_WINDOW_SECONDS
        raise SlackRequestRefused("stale" if stale else "bad-signature")
    if first_seen is not None and not first_seen(request_digest(timestamp, raw_body),
                                                 int(timestamp)):
        raise SlackRequestRefused("replayed")


def remember_in(seen: MutableMapping[str, int], now: datetime) -> FirstSeen:
    """A replay guard over a dict (one container's memory, or a test's): digests are kept
    for the replay window past their timestamp, then forgotten."""
    horizon = now.timestamp() - 2 * REPLAY_WINDOW_SECONDS
    for digest in [d for d, at in seen.items() if at < horizon]:
        del seen[digest]

    def first_seen(digest: str, timestamp: int) -> bool:
        if digest in seen:
            return False
        seen[digest] = timestamp
        return True

    return first_seen


# --- the reference a button or a modal carries -------------------------------------------------

class RefInvalid(Exception):
    """The reference is not one Greenlight signed, or not for this use."""


@dataclass(frozen=True)
class RequestRef:
    """Which request a button or modal is about: the request's id (its token's digest, the
    store's key) and its action; a modal's reference also names the decision being made."""

    request_id: str
    pipeline: str
    stage: str
    action: str
    decision: Decision | None = None


def _ref_serializer(keys: list[str]) -> LinkSerializer:
    # Its own salt: a reference can never pass for an approval link, or a link for it.
    return LinkSerializer(keys, salt=REF_SALT, signer_kwargs={"digest_method": hashlib.sha256})


def sign_ref(ref: RequestRef, keys: list[str]) -> str:
    payload: dict[str, Any] = {"v": REF_VERSION, "r": ref.request_id, "p": ref.pipeline,
                               "s": ref.stage, "a": ref.action}
    if ref.decision is not None:
        payload["d"] = ref.decision.value
    return str(_ref_serializer(keys).dumps(payload))


def read_ref(signed: object, keys: list[str], *, decision: Decision | None = None) -> RequestRef:
    """The reference `signed` carries. With `decision`, the reference must be a modal's for
    that decision; without, a button's (which names none)."""
    if not isinstance(signed, str) or not signed or len(signed) > MAX_REF_LENGTH:
        raise RefInvalid("reference is empty or too long")
    if not is_canonical(signed):
        raise RefInvalid("reference is not in its canonical encoding")
    try:
        payload = _ref_serializer(keys).loads(signed)
    except (BadData, UnicodeError, ValueError):
        raise RefInvalid("reference signature does not verify") from None
    if not isinstance(payload, dict) or payload.get("v") != REF_VERSION:
        raise RefInvalid("unknown reference version")
    if set(payload) - {"v", "r", "p", "s", "a", "d"}:
        raise RefInvalid("reference holds unknown fields")
    texts = [payload.get(name) for name in ("r", "p", "s", "a")]
    if not all(isinstance(text, str) and text for text in texts):
        raise RefInvalid("reference is malformed")
    request_id, pipeline, stage, action = (str(text) for text in texts)
    named = payload.get("d")
    try:
        signed_decision = None if named is None else Decision(named)
    except ValueError:
        raise RefInvalid("reference names an unknown decision") from None
    if signed_decision is not decision:
        raise RefInvalid("reference is not for this decision")
    return RequestRef(request_id, pipeline, stage, action, decision=signed_decision)


# --- interaction payloads ----------------------------------------------------------------------

class BadInteraction(ValueError):
    """The payload is not a Greenlight button click or vote modal; nothing is decided."""


@dataclass(frozen=True)
class ButtonClick:
    """Someone clicked Approve or Reject on a request's message."""

    user_id: str
    team_id: str
    trigger_id: str
    channel: str
    message_ts: str
    decision: Decision
    request_ref: str


@dataclass(frozen=True)
class ModalSubmission:
    """Someone submitted the vote modal a click opened."""

    user_id: str
    team_id: str
    request_ref: str
    decision: Decision
    comment: str


Interaction = ButtonClick | ModalSubmission


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadInteraction(f"{what} is missing or not an object")
    return value


def _matching(value: Any, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise BadInteraction(f"{what} is missing or malformed")
    return value


def _who(payload: dict[str, Any]) -> tuple[str, str]:
    """The user and their team: `user.team_id`, which Enterprise Grid and shared channels set
    to the user's own workspace, else the payload's `team`."""
    user = _object(payload.get("user"), "user")
    team = payload.get("team")
    team_id = user.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    return _matching(user.get("id"), USER_ID, "user.id"), _matching(team_id, TEAM_ID, "team id")


def payload_of(form_body: bytes | str) -> dict[str, Any]:
    """The JSON object Slack sends as the one `payload` field of a form-encoded body."""
    raw = form_body.encode("utf-8") if isinstance(form_body, str) else form_body
    if len(raw) > MAX_INTERACTION_BYTES:
        raise BadInteraction("the body is too large")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True,
                          max_num_fields=5)
    except (UnicodeDecodeError, ValueError):
        raise BadInteraction("the body is not form-encoded") from None
    if set(fields) != {"payload"} or len(fields["payload"]) != 1:
        raise BadInteraction("the body must hold exactly one `payload` field")
    try:
        payload = json.loads(fields["payload"][0])
    except ValueError:
        raise BadInteraction("the payload is not JSON") from None
    return _object(payload, "payload")


def _click(payload: dict[str, Any]) -> ButtonClick:
    user_id, team_id = _who(payload)
    actions = payload.get("actions")
    if not isinstance(actions, list) or len(actions) != 1:
        raise BadInteraction("a click must carry exactly one action")
    action = _object(actions[0], "action")
    decision = ACTIONS.get(action.get("action_id"))  # type: ignore[arg-type]
    if decision is None or action.get("type") != "button":
        raise BadInteraction("the action is not one of Greenlight's buttons")
    value = action.get("value")
    if not isinstance(value, str) or not value or len(value) > MAX_REF_LENGTH:
        raise BadInteraction("the button carries no reference")
    container = payload.get("container")
    message = payload.get("message")
    channel = payload.get("channel")
    ts = (container.get("message_ts") if isinstance(container, dict) else None) or (
        message.get("ts") if isinstance(message, dict) else None)
    return ButtonClick(
        user_id=user_id,
        team_id=team_id,
        trigger_id=_matching(payload.get("trigger_id"), TRIGGER_ID, "trigger_id"),
        channel=_matching(channel.get("id") if isinstance(channel, dict) else None,
                          CHANNEL_ID, "channel.id"),
        message_ts=_matching(ts, MESSAGE_TS, "message ts"),
        decision=decision,
        request_ref=value,
    )


def _submission(payload: dict[str, Any]) -> ModalSubmission:
    user_id, team_id = _who(payload)
    view = _object(payload.get("view"), "view")
    callback, _, named = str(view.get("callback_id") or "").partition(":")
    if callback != VOTE_CALLBACK or named not in (d.value for d in Decision):
        raise BadInteraction("the view is not Greenlight's vote modal")
    metadata = view.get("private_metadata")
    if not isinstance(metadata, str) or not metadata or len(metadata) > MAX_REF_LENGTH:
        raise BadInteraction("the view carries no reference")
    values = _object(_object(view.get("state"), "view.state").get("values"), "state values")
    block = values.get(COMMENT_BLOCK, {})
    field = _object(block, "comment block").get(COMMENT_ACTION, {})
    comment = _object(field, "comment input").get("value")
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise BadInteraction(f"the comment must be text of at most {MAX_COMMENT} characters")
    return ModalSubmission(user_id=user_id, team_id=team_id, request_ref=metadata,
                           decision=Decision(named), comment=comment)


def parse_interaction(form_body: bytes | str) -> Interaction:
    """A verified request's body as a click or a modal submission; raise BadInteraction for
    anything else (other payload types, other apps' actions, shapes Slack does not send)."""
    payload = payload_of(form_body)
    kind = payload.get("type")
    if kind == "block_actions":
        return _click(payload)
    if kind == "view_submission":
        return _submission(payload)
    raise BadInteraction("only button clicks and vote modals are handled")
