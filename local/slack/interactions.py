"""What Slack sends an app's Request URL when someone clicks a button or submits a modal:
a `block_actions` or `view_submission` payload, form-encoded as `payload=<json>`, signed
with the app's signing secret (X-Slack-Request-Timestamp, X-Slack-Signature).

The signature comes from slack_sdk's SignatureVerifier.generate_signature, the same code
that checks it: the stand-in signs as Slack does, not as we think it does.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from local.slack.workspace import TEAM_DOMAIN, View, Workspace

USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
FORM_TYPE = "application/x-www-form-urlencoded"
# Slack still sends its deprecated verification token in payloads; nobody should check it.
VERIFICATION_TOKEN = "deprecated-verification-token"  # noqa: S105  # nosec B105
# Nothing the stand-in sends goes through a proxy: both ends are on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class SignedRequest:
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Delivery:
    """The app's answer: Slack shows an error to the user for anything but a 200 in time."""

    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


def sign(body: bytes, signing_secret: str, timestamp: int) -> SignedRequest:
    """The headers Slack sends with `body`."""
    stamp = str(timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return SignedRequest({"Content-Type": FORM_TYPE, "User-Agent": USER_AGENT,
                          "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature},
                         body)


def form_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode("ascii")


def _user(workspace: Workspace, user_id: str) -> dict[str, Any]:
    user = workspace.users[user_id]
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id}


def _team(workspace: Workspace) -> dict[str, Any]:
    return {"id": workspace.team_id, "domain": TEAM_DOMAIN}


class Interactions:
    """Sends interactions in `workspace` to the app at `request_url`, signed with
    `signing_secret` at the workspace's clock, and returns what the app answered."""

    def __init__(self, workspace: Workspace, request_url: str, signing_secret: str,
                 response_url_base: str = "https://hooks.slack.com/actions") -> None:
        if not request_url.startswith(("http://", "https://")):
            raise ValueError("the Request URL must be an http(s) URL")
        self.workspace = workspace
        self.request_url = request_url
        self.signing_secret = signing_secret
        self.response_url_base = response_url_base.rstrip("/")

    def block_actions(self, user_id: str, channel: str, ts: str, action_id: str) -> dict[str, Any]:
        """The payload of `user_id` clicking the button `action_id` on message `ts`."""
        space = self.workspace
        message = space.message(channel, ts)
        if message is None:
            raise LookupError(f"no message {ts} in {channel}")
        button = next((e for b in message.blocks if b.get("type") == "actions"
                       for e in b.get("elements", []) if e.get("action_id") == action_id), None)
        if button is None:
            raise LookupError(f"message {ts} has no button {action_id}")
        block_id = next(b.get("block_id", "") for b in message.blocks
                        if button in b.get("elements", []))
        trigger = space.issue_trigger(user_id)
        action_ts = f"{space.clock():.6f}"
        return {
            "type": "block_actions",
            "user": _user(space, user_id),
            "api_app_id": space.app_id,
            "token": VERIFICATION_TOKEN,
            "container": {"type": "message", "message_ts": ts, "channel_id": channel,
                          "is_ephemeral": False},
            "trigger_id": trigger,
            "team": _team(space),
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": space.channels[channel].name},
            "message": message.as_object(space.bot_id),
            "state": {"values": {}},
            "response_url": f"{self.response_url_base}/{space.team_id}/{trigger.split('.')[0]}"
                            f"/{trigger.split('.')[-1][:24]}",
            "actions": [{"action_id": action_id, "block_id": block_id,
                         "text": button.get("text"), "value": button.get("value", ""),
                         "style": button.get("style"), "type": "button",
                         "action_ts": action_ts}],
        }

    def view_submission(self, view: View, values: dict[str, dict[str, str]]) -> dict[str, Any]:
        """The payload of `view`'s user submitting it with `values` (block_id to action_id
        to text), as the modal's plain_text_input elements hold them."""
        space = self.workspace
        state = {block: {action: {"type": "plain_text_input", "value": text or None}
                         for action, text in actions.items()}
                 for block, actions in values.items()}
        shown = view.as_object(space.app_id, space.bot_id)
        shown["state"] = {"values": state}
        return {
            "type": "view_submission",
            "team": _team(space),
            "user": _user(space, view.user),
            "api_app_id": space.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": space.issue_trigger(view.user),
            "view": shown,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def signed(self, payload: dict[str, Any], *, secret: str | None = None,
               timestamp: int | None = None) -> SignedRequest:
        stamp = int(self.workspace.clock()) if timestamp is None else timestamp
        return sign(form_body(payload), secret or self.signing_secret, stamp)

    def send(self, request: SignedRequest) -> Delivery:
        """POST a signed request to the app, as Slack does (it waits three seconds)."""
        # The URL's scheme was checked when it was set.
        sent = urllib.request.Request(self.request_url, data=request.body,  # noqa: S310  # nosec B310
                                      headers=request.headers, method="POST")
        try:
            with _OPENER.open(sent, timeout=10) as answer:
                return Delivery(answer.status, answer.read())
        except urllib.error.HTTPError as refused:
            return Delivery(refused.code, refused.read())

    def click(self, user_id: str, channel: str, ts: str, action_id: str) -> Delivery:
        return self.send(self.signed(self.block_actions(user_id, channel, ts, action_id)))

    def submit(self, view_id: str, values: dict[str, dict[str, str]]) -> Delivery:
        """Submit an open modal; Slack closes it on an empty 200 or `response_action:
        clear`, and keeps it open with `response_action: errors`."""
        view = self.workspace.views[view_id]
        delivery = self.send(self.signed(self.view_submission(view, values)))
        answer = None
        if delivery.status == 200:
            try:
                answer = delivery.json()
            except ValueError:
                answer = None
        if isinstance(answer, dict) and answer.get("response_action") == "errors":
            view.errors = dict(answer.get("errors") or {})
        elif delivery.status == 200:
            view.open, view.errors = False, {}
        return delivery
