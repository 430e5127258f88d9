"""One Slack workspace in memory and the Web API methods Greenlight calls on it, answered as
Slack answers: `{"ok": true, ...}`, or `{"ok": false, "error": "<code>"}` with HTTP 200, and
`ratelimited` with HTTP 429 and Retry-After.

Methods: auth.test, chat.postMessage, chat.update, chat.postEphemeral, views.open,
users.lookupByEmail, users.info. A trigger_id is good for one views.open within three
seconds of the interaction that issued it, on the workspace's clock.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0GREENLT"
TEAM_DOMAIN = "greenlight-local"
# The stand-in's own bot token, not a secret.
BOT_TOKEN = "xoxb-0000000000-greenlight-local"  # noqa: S105  # nosec B105
TRIGGER_SECONDS = 3.0
METHODS = ("auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral", "views.open",
           "users.lookupByEmail", "users.info")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str | None
    team_id: str = TEAM_ID
    is_bot: bool = False

    def as_object(self) -> dict[str, Any]:
        """users.info's `user`."""
        profile: dict[str, Any] = {"real_name": self.name.title(), "display_name": self.name}
        if self.email:
            profile["email"] = self.email
        return {"id": self.id, "team_id": self.team_id, "name": self.name, "deleted": False,
                "real_name": self.name.title(), "is_bot": self.is_bot, "is_admin": False,
                "tz": "Europe/London", "profile": profile}


@dataclass
class Channel:
    id: str
    name: str
    members: set[str]


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    edited: bool = False

    def as_object(self, bot_id: str) -> dict[str, Any]:
        shown: dict[str, Any] = {"type": "message", "user": self.user, "bot_id": bot_id,
                                 "ts": self.ts, "text": self.text, "blocks": self.blocks,
                                 "team": TEAM_ID}
        if self.edited:
            shown["edited"] = {"user": self.user, "ts": self.ts}
        return shown


@dataclass(frozen=True)
class Ephemeral:
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    message_ts: str


@dataclass
class View:
    id: str
    user: str
    view: dict[str, Any]
    open: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    def as_object(self, app_id: str, bot_id: str) -> dict[str, Any]:
        return {"id": self.id, "team_id": TEAM_ID, "type": self.view.get("type", "modal"),
                "blocks": self.view.get("blocks", []),
                "private_metadata": self.view.get("private_metadata", ""),
                "callback_id": self.view.get("callback_id", ""),
                "title": self.view.get("title"), "submit": self.view.get("submit"),
                "close": self.view.get("close"), "state": {"values": {}},
                "hash": f"{int(time.time())}.{self.id}", "clear_on_close": False,
                "notify_on_close": False, "root_view_id": self.id, "previous_view_id": None,
                "app_id": app_id, "external_id": "", "app_installed_team_id": TEAM_ID,
                "bot_id": bot_id}


@dataclass(frozen=True)
class Fault:
    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass(frozen=True)
class Answer:
    """What the HTTP layer sends back."""

    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)


class SlackError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _people() -> list[User]:
    return [User("U0ALICE01", "alice", "alice@example.com"),
            User("U0BOB0002", "bob", "bob@example.com"),
            User("U0CAROL03", "carol", "carol@example.com"),
            User("U0MALLORY", "mallory", "mallory@example.com")]


class Workspace:
    """Users alice, bob, carol and mallory (@example.com), the bot, channels #deploys (with
    everyone) and #elsewhere (without the bot); every change is kept for tests to read."""

    def __init__(self, clock: Callable[[], float] = time.time,
                 bot_token: str = BOT_TOKEN) -> None:
        self.clock = clock
        self.bot_token = bot_token
        self.team_id = TEAM_ID
        self.app_id = "A0GREENLT"
        self.bot_id = "B0GREENLT"
        self.bot = User("U0GREENBT", "greenlight", None, is_bot=True)
        self.users: dict[str, User] = {u.id: u for u in [*_people(), self.bot]}
        everyone = set(self.users)
        self.channels: dict[str, Channel] = {
            "C0DEPLOYS": Channel("C0DEPLOYS", "deploys", everyone),
            "C0ELSEWHR": Channel("C0ELSEWHR", "elsewhere", everyone - {self.bot.id}),
        }
        self.messages: dict[str, list[Message]] = {c: [] for c in self.channels}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every call, without its token
        self._triggers: dict[str, tuple[str, float]] = {}
        self._faults: dict[str, deque[Fault]] = {}
        self._sequence = itertools.count(1)
        self._lock = threading.RLock()

    # --- set-up and fault switches -------------------------------------------------------

    def add_user(self, user: User, channels: tuple[str, ...] = ("C0DEPLOYS",)) -> User:
        with self._lock:
            self.users[user.id] = user
            for channel in channels:
                self.channels[channel].members.add(user.id)
        return user

    def user_named(self, name: str) -> User:
        return next(u for u in self.users.values() if u.name == name)

    def fail_next(self, method: str, error: str, times: int = 1, status: int = 200,
                  retry_after: int | None = None) -> None:
        """The next `times` calls of `method` answer `error` (HTTP `status`)."""
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            queue.extend(Fault(error, status, retry_after) for _ in range(times))

    def rate_limit_next(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` are refused as Slack refuses a burst."""
        self.fail_next(method, "ratelimited", times, status=429, retry_after=retry_after)

    def issue_trigger(self, user_id: str) -> str:
        """A trigger_id, as Slack sends with an interaction; views.open takes it once."""
        trigger = f"{next(self._sequence)}.{int(self.clock())}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger] = (user_id, self.clock())
        return trigger

    def _next_ts(self) -> str:
        return f"{int(self.clock())}.{next(self._sequence):06d}"

    # --- the Web API -----------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any], token: str | None) -> Answer:
        with self._lock:
            self.calls.append((method, {k: v for k, v in params.items() if k != "token"}))
            queued = self._faults.get(method)
            if queued:
                fault = queued.popleft()
                headers = ({"Retry-After": str(fault.retry_after)}
                           if fault.retry_after is not None else {})
                return Answer(fault.status, {"ok": False, "error": fault.error}, headers)
            if method not in METHODS:
                return Answer(200, {"ok": False, "error": "unknown_method"})
            if not token:
                return Answer(200, {"ok": False, "error": "not_authed"})
            if not secrets.compare_digest(token, self.bot_token):
                return Answer(200, {"ok": False, "error": "invalid_auth"})
            try:
                body = getattr(self, "_" + method.replace(".", "_"))(params)
            except SlackError as refused:
                return Answer(200, {"ok": False, "error": refused.error})
            return Answer(200, {"ok": True, **body})

    def _channel(self, params: Mapping[str, Any]) -> Channel:
        named = params.get("channel")
        if not isinstance(named, str) or not named:
            raise SlackError("channel_not_found")
        found = self.channels.get(named) or next(
            (c for c in self.channels.values() if f"#{c.name}" == named), None)
        if found is None:
            raise SlackError("channel_not_found")
        return found

    @staticmethod
    def _blocks(params: Mapping[str, Any]) -> list[dict[str, Any]]:
        blocks = params.get("blocks") or []
        if isinstance(blocks, str):  # form-encoded calls send them as JSON text
            try:
                blocks = json.loads(blocks)
            except ValueError:
                raise SlackError("invalid_blocks_format") from None
        if not isinstance(blocks, list) or not all(isinstance(b, dict) and "type" in b
                                                   for b in blocks) or len(blocks) > 50:
            raise SlackError("invalid_blocks")
        return blocks

    def _content(self, params: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        text = params.get("text") or ""
        blocks = self._blocks(params)
        if not isinstance(text, str) or (not text and not blocks):
            raise SlackError("no_text")
        return text, blocks

    def _auth_test(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"url": f"https://{TEAM_DOMAIN}.slack.com/", "team": "Greenlight Local",
                "user": self.bot.name, "team_id": self.team_id, "user_id": self.bot.id,
                "bot_id": self.bot_id, "is_enterprise_install": False}

    def _chat_postMessage(self, params: Mapping[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if self.bot.id not in channel.members:
            raise SlackError("not_in_channel")
        text, blocks = self._content(params)
        message = Message(channel.id, self._next_ts(), self.bot.id, text, blocks)
        self.messages[channel.id].append(message)
        return {"channel": channel.id, "ts": message.ts,
                "message": message.as_object(self.bot_id)}

    def message(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

    def _chat_update(self, params: Mapping[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        message = self.message(channel.id, str(params.get("ts") or ""))
        if message is None:
            raise SlackError("message_not_found")
        if message.user != self.bot.id:
            raise SlackError("cant_update_message")
        message.text, message.blocks = self._content(params)
        message.edited = True
        return {"channel": channel.id, "ts": message.ts, "text": message.text,
                "message": message.as_object(self.bot_id)}

    def _chat_postEphemeral(self, params: Mapping[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        user = params.get("user")
        if user not in self.users:
            raise SlackError("user_not_found")
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        text, blocks = self._content(params)
        ts = self._next_ts()
        self.ephemerals.append(Ephemeral(channel.id, str(user), text, blocks, ts))
        return {"message_ts": ts}

    def _views_open(self, params: Mapping[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                raise SlackError("invalid_arguments") from None
        if not isinstance(view, dict) or view.get("type") != "modal":
            raise SlackError("invalid_arguments")
        trigger = params.get("trigger_id")
        issued = self._triggers.get(trigger) if isinstance(trigger, str) else None
        if issued is None:
            raise SlackError("invalid_trigger_id")
        user_id, at = issued
        if user_id == "":
            raise SlackError("exchanged_trigger_id")
        if self.clock() - at > TRIGGER_SECONDS:
            raise SlackError("expired_trigger_id")
        self._triggers[str(trigger)] = ("", at)
        opened = View(f"V{next(self._sequence):08d}", user_id, view)
        self.views[opened.id] = opened
        return {"view": opened.as_object(self.app_id, self.bot_id)}

    def _users_lookupByEmail(self, params: Mapping[str, Any]) -> dict[str, Any]:
        email = str(params.get("email") or "").strip().lower()
        found = next((u for u in self.users.values() if u.email and u.email.lower() == email),
                     None)
        if found is None:
            raise SlackError("users_not_found")
        return {"user": found.as_object()}

    def _users_info(self, params: Mapping[str, Any]) -> dict[str, Any]:
        found = self.users.get(str(params.get("user") or ""))
        if found is None:
            raise SlackError("user_not_found")
        return {"user": found.as_object()}

    # --- what people see ---------------------------------------------------------------------

    def open_views_of(self, user_id: str) -> list[View]:
        with self._lock:
            return [v for v in self.views.values() if v.user == user_id and v.open]
