"""One state everywhere: a request's channel message in Slack, posted once and brought up to
date after every vote (from a mail link or from Slack), at the outcome, and by the sweep.

The record keeps the message under `slack_post`: a claim while it is being posted (as mails
are claimed, so a redelivered SNS message never posts twice), then its channel, ts, and a
digest of what it shows. A refresh that finds the message already showing the record's
state calls nothing; one that fails leaves the old digest, so the next vote or sweep tries
again. A Slack failure never raises here: it is logged, returned, and counted by the caller.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from greenlight.slack import RequestRef, SlackSettings, sign_ref
from greenlight.slack_api import (
    BotIdentity,
    PostedMessage,
    SlackFailure,
    bot_identity,
    mention_ids,
    post_message,
    update_message,
    web_client,
)
from greenlight.slack_messages import (
    RequestFacts,
    SlackMessage,
    Tally,
    outcome_message,
    request_message,
)
from greenlight.store import CLOSED, PENDING, RequestRecord, _iso, _update_if, get_request

log = logging.getLogger(__name__)

# A post claimed by a call that never finished may be claimed again after this long.
STALE_POST = timedelta(minutes=2)
POSTING, POSTED = "posting", "posted"


@dataclass
class SlackAccess:
    """What talking to Slack takes: the Web API client for the bot token, the keys that sign
    the buttons' references (the link keys; references have a salt of their own), the
    users.lookupByEmail cache, and the bot's own workspace (auth.test), found once."""

    client: WebClient
    ref_keys: list[str]
    lookups: MutableMapping[str, tuple[str | None, float]] = field(default_factory=dict)
    bot: BotIdentity | None = None

    def home_team(self) -> str | SlackFailure:
        if self.bot is None:
            found = bot_identity(self.client)
            if isinstance(found, SlackFailure):
                return found
            self.bot = found
        return self.bot.team_id


@functools.lru_cache(maxsize=4)
def _access(token: str, api_url: str) -> SlackAccess:
    return SlackAccess(web_client(token, api_url), [])


def slack_access(settings: SlackSettings, token: str, ref_keys: list[str]) -> SlackAccess:
    """The container's access for `token` (a rotated token gets a new client), with today's
    reference keys."""
    access = _access(token, settings.api_url)
    access.ref_keys = ref_keys
    return access


# --- what the message shows --------------------------------------------------------------------

def facts_of(record: RequestRecord) -> RequestFacts:
    return RequestFacts(record.pipeline, record.stage, record.action, record.context,
                        record.expires_at)


def button_ref(record: RequestRecord, keys: list[str]) -> str:
    """The opaque reference the buttons carry: the request's key, signed; never its token."""
    return sign_ref(RequestRef(record.request_id, record.pipeline, record.stage,
                               record.action), keys)


def note_of(record: RequestRecord) -> str | None:
    from greenlight.announce import note_for

    return note_for(record)


def message_for(record: RequestRecord, keys: list[str],
                mentions: list[str] | tuple[str, ...] = ()) -> SlackMessage:
    """The message as the record stands: pending with its tally and buttons, or the outcome
    without buttons. `record` holds only genuine votes (voting.counted)."""
    facts, tally = facts_of(record), Tally.of(record)
    if record.status in CLOSED:
        return outcome_message(facts, tally, outcome=record.status, summary=record.summary,
                               at=record.decided_at)
    # While a decision is being submitted, nobody may vote: no buttons.
    ref = button_ref(record, keys) if record.status == PENDING else None
    return request_message(facts, tally, ref=ref, mention_ids=mentions,
                           note=note_of(record))


def shown_digest(message: SlackMessage) -> str:
    text = json.dumps([message.text, message.blocks], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# --- the record's `slack_post` -----------------------------------------------------------------

def claim_post(table: Any, request_id: str, now: datetime) -> bool:
    """Claim the right to post the request's message; False if it is posted or being posted."""
    return _update_if(
        table, Key={"request_id": request_id}, UpdateExpression="SET slack_post = :claim",
        ConditionExpression=("attribute_exists(request_id) AND (attribute_not_exists(slack_post)"
                             " OR (slack_post.#state = :posting AND slack_post.#at < :stale))"),
        ExpressionAttributeNames={"#state": "state", "#at": "at"},
        ExpressionAttributeValues={":claim": {"state": POSTING, "at": _iso(now)},
                                   ":posting": POSTING, ":stale": _iso(now - STALE_POST)},
    ) is not None


def settle_post(table: Any, request_id: str, posted: PostedMessage | None, shown: str,
                now: datetime) -> None:
    """Keep the posted message's channel and ts, or release the claim for a retry."""
    if posted is None:
        table.update_item(Key={"request_id": request_id}, UpdateExpression="REMOVE slack_post")
        return
    table.update_item(
        Key={"request_id": request_id}, UpdateExpression="SET slack_post = :posted",
        ExpressionAttributeValues={":posted": {"state": POSTED, "channel": posted.channel,
                                               "ts": posted.ts, "shown": shown,
                                               "at": _iso(now)}})


def mark_shown(table: Any, request_id: str, shown: str) -> None:
    table.update_item(
        Key={"request_id": request_id}, UpdateExpression="SET slack_post.shown = :shown",
        ConditionExpression="slack_post.#state = :posted",
        ExpressionAttributeNames={"#state": "state"},
        ExpressionAttributeValues={":shown": shown, ":posted": POSTED})


def posted_of(record: RequestRecord) -> PostedMessage | None:
    post = record.slack_post
    if post.get("state") != POSTED or not post.get("channel") or not post.get("ts"):
        return None
    return PostedMessage(str(post["channel"]), str(post["ts"]))


# --- post and refresh --------------------------------------------------------------------------

def post_request(record: RequestRecord, *, slack: SlackAccess, table: Any,
                 now: datetime) -> SlackFailure | None:
    """Post the request's message to its rule's channel, once per request."""
    channel = record.slack.get("channel")
    if not channel or record.status != PENDING or record.slack_post:
        return None
    if not claim_post(table, record.request_id, now):
        return None
    mentions: list[str] = []
    if record.slack.get("mention"):
        mentions = mention_ids(slack.client, record.waiting_on(), slack.lookups, time.time())
    message = message_for(record, slack.ref_keys, mentions)
    posted = post_message(slack.client, str(channel), message)
    if isinstance(posted, SlackFailure):
        log.warning("slack post failed", extra={"request_id": record.request_id,
                                                "error": posted.error})
        settle_post(table, record.request_id, None, "", now)
        return posted
    settle_post(table, record.request_id, posted, shown_digest(message), now)
    log.info("slack message posted", extra={"request_id": record.request_id})
    return None


def refresh_slack_message(record: RequestRecord, *, slack: SlackAccess, table: Any,
                          vote_keys: list[str], now: datetime) -> SlackFailure | None:
    """Bring the request's channel message up to date with the record as it is now in the
    table (its tally, or its outcome and no buttons); post it if it was never posted and the
    request still waits. Nothing is called when the message already shows it."""
    if not record.slack.get("channel"):
        return None
    current = get_request(table, record.request_id) or record
    current = current.verified(vote_keys)
    posted = posted_of(current)
    if posted is None:
        if not current.slack_post:
            return post_request(current, slack=slack, table=table, now=now)
        return None  # being posted right now, by another call
    message = message_for(current, slack.ref_keys)
    shown = shown_digest(message)
    if current.slack_post.get("shown") == shown:
        return None
    failure = update_message(slack.client, posted, message)
    if failure is not None:
        log.warning("slack update failed", extra={"request_id": record.request_id,
                                                  "error": failure.error})
        return failure
    try:
        mark_shown(table, record.request_id, shown)
    except Exception:  # the message is right; a later refresh only updates it once more
        log.warning("slack message shown but not marked", extra={
            "request_id": record.request_id})
    return None
