"""Slack's Web API as Greenlight calls it, through slack_sdk's WebClient: post and update a
request's message, answer one person privately, open the vote modal, find people.

A call that fails (Slack's `{"ok": false, "error": ...}`, a refused connection, a timeout)
returns a SlackFailure instead of raising: Slack is a second channel, and a failure there
must never lose a vote or stop a mail. `ratelimited` answers are retried by slack_sdk's
RateLimitErrorRetryHandler, a bounded number of times and only for a short Retry-After.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from greenlight.identity import (
    address_of,
    approver_of_slack_user,
)
from greenlight.slack import USER_ID
from greenlight.slack_messages import SlackMessage

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
RATE_LIMIT_RETRIES = 2
MAX_RETRY_AFTER_SECONDS = 5  # a longer wait is given up on: the caller counts and retries
EMAIL_CACHE_SECONDS = 15 * 60
# Errors that may go away on their own; every other one needs someone to change something.
TRANSIENT = {"ratelimited", "connection", "internal_error", "fatal_error",
             "service_unavailable", "request_timeout", "http_error"}


@dataclass(frozen=True)
class SlackFailure:
    """A Web API call that did not succeed: Slack's error code (or `connection`), and
    whether trying again later may help."""

    method: str
    error: str

    @property
    def retryable(self) -> bool:
        return self.error in TRANSIENT


@dataclass(frozen=True)
class PostedMessage:
    """A message Slack posted: its channel and timestamp."""

    channel: str
    ts: str


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot token belongs to (auth.test)."""

    team_id: str
    user_id: str
    bot_id: str | None


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's handler for `ratelimited` (HTTP 429), which sleeps for Retry-After: here
    only when Retry-After is short, since a function has seconds, not minutes, to answer."""

    def __init__(self, max_retry_count: int = RATE_LIMIT_RETRIES,
                 max_retry_after: float = MAX_RETRY_AFTER_SECONDS) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_retry_after = max_retry_after

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        assert response is not None
        waits = [v for k, v in response.headers.items() if k.lower() == "retry-after"]
        try:
            wait = float(waits[0][0]) if waits and waits[0] else 1.0
        except (TypeError, ValueError):
            return False
        return wait <= self.max_retry_after


def web_client(token: str, api_url: str, *, timeout: int = TIMEOUT_SECONDS,
               retry_handlers: list[RetryHandler] | None = None) -> WebClient:
    """A WebClient for the bot token at `api_url` (Slack's, or the offline stand-in's)."""
    handlers = retry_handlers if retry_handlers is not None else [
        ConnectionErrorRetryHandler(max_retry_count=1), BoundedRateLimitRetryHandler()]
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=handlers)


def _call(method: str, call: Callable[[], Any]) -> Mapping[str, Any] | SlackFailure:
    try:
        response = call()
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        if not isinstance(code, str) or not code:
            code = "http_error"
        log.warning("slack call failed", extra={"method": method, "error": code})
        return SlackFailure(method, code)
    except (SlackClientError, OSError, ValueError) as error:
        # Connection refused or reset, a timeout, a body that is not JSON: Slack's side, or
        # the way to it, is down. The exception's text may hold the URL, never the token.
        log.warning("slack unreachable", extra={"method": method,
                                                "error": type(error).__name__})
        return SlackFailure(method, "connection")
    return response.data if isinstance(response.data, dict) else {}


def post_message(client: WebClient, channel: str, message: SlackMessage) -> (
        PostedMessage | SlackFailure):
    """chat.postMessage; the channel and ts name the message for every later update."""
    data = _call("chat.postMessage", lambda: client.chat_postMessage(
        channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False,
        unfurl_media=False))
    if isinstance(data, SlackFailure):
        return data
    return PostedMessage(channel=str(data.get("channel") or channel), ts=str(data.get("ts")))


def update_message(client: WebClient, posted: PostedMessage,
                   message: SlackMessage) -> SlackFailure | None:
    """chat.update: the message shows the tally, or the outcome, as it is now."""
    data = _call("chat.update", lambda: client.chat_update(
        channel=posted.channel, ts=posted.ts, text=message.text, blocks=message.blocks))
    return data if isinstance(data, SlackFailure) else None


def tell_privately(client: WebClient, channel: str, user_id: str,
                   text: str) -> SlackFailure | None:
    """chat.postEphemeral: only `user_id` sees it (why their click decided nothing)."""
    data = _call("chat.postEphemeral", lambda: client.chat_postEphemeral(
        channel=channel, user=user_id, text=text))
    return data if isinstance(data, SlackFailure) else None


def open_modal(client: WebClient, trigger_id: str, view: dict[str, Any]) -> SlackFailure | None:
    """views.open, which Slack allows within three seconds of the click that gave the
    trigger_id (`expired_trigger_id` after)."""
    data = _call("views.open", lambda: client.views_open(trigger_id=trigger_id, view=view))
    return data if isinstance(data, SlackFailure) else None


def bot_identity(client: WebClient) -> BotIdentity | SlackFailure:
    """auth.test: whose token this is; `invalid_auth` for a revoked or mistyped one."""
    data = _call("auth.test", client.auth_test)
    if isinstance(data, SlackFailure):
        return data
    return BotIdentity(team_id=str(data.get("team_id")), user_id=str(data.get("user_id")),
                       bot_id=data.get("bot_id"))


def user_by_email(client: WebClient, email: str, cache: MutableMapping[str, tuple[str | None,
                  float]], now: float, ttl: float = EMAIL_CACHE_SECONDS) -> (
        str | SlackFailure | None):
    """The Slack user id behind an address (users.lookupByEmail), None if nobody in the
    workspace has it. Answers are kept in `cache` for `ttl` seconds after `now`; failures
    are not kept."""
    kept = cache.get(email)
    if kept is not None and kept[1] > now:
        return kept[0]
    data = _call("users.lookupByEmail", lambda: client.users_lookupByEmail(email=email))
    if isinstance(data, SlackFailure):
        if data.error != "users_not_found":
            return data
        user_id = None
    else:
        user = data.get("user")
        found = user.get("id") if isinstance(user, dict) else None
        user_id = found if isinstance(found, str) and USER_ID.fullmatch(found) else None
    cache[email] = (user_id, now + ttl)
    return user_id


def email_of_user(client: WebClient, user_id: str) -> str | SlackFailure | None:
    """The address on a Slack user's profile (users.info; needs users:read.email), None for
    a user without one, a bot, or someone deleted."""
    data = _call("users.info", lambda: client.users_info(user=user_id))
    if isinstance(data, SlackFailure):
        return None if data.error == "user_not_found" else data
    user = data.get("user")
    if not isinstance(user, dict) or user.get("is_bot") or user.get("deleted"):
        return None
    profile = user.get("profile")
    email = profile.get("email") if isinstance(profile, dict) else None
    return address_of(email) if isinstance(email, str) else None


def mention_ids(client: WebClient, approvers: Iterable[str],
                cache: MutableMapping[str, tuple[str | None, float]], now: float) -> list[str]:
    """The Slack ids of the approvers who have one; a failed lookup leaves one out."""
    found = (user_by_email(client, address, cache, now) for address in approvers)
    return [user_id for user_id in found if isinstance(user_id, str)]


# --- who a Slack user is (greenlight.identity decides; this asks Slack) ----------------------

def slack_approver(client: WebClient, user_id: str, team_id: str, *, approvers: Iterable[str],
                   identities: Mapping[str, str], home_team: str | None,
                   cache: MutableMapping[str, tuple[str | None, float]],
                   now: float) -> str | SlackFailure | None:
    """The approver's address a Slack user votes as (greenlight.identity's rule), asking
    Slack for their profile's address and the approvers' user ids."""
    return approver_of_slack_user(
        user_id, team_id, approvers=approvers, identities=identities, home_team=home_team,
        email_of=lambda user: email_of_user(client, user),
        user_of=lambda address: user_by_email(client, address, cache, now))
