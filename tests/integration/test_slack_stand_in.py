"""The Slack stand-in, spoken to by the official slack_sdk WebClient as Slack would be, and
its interactions sent to a small app on loopback that checks them as the decide function
will: every method, every error code, rate limiting, signatures, the channel page."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from greenlight.links import ApprovalContext, Decision
from greenlight.slack import (
    ButtonClick,
    Interaction,
    ModalSubmission,
    RequestRef,
    SlackRequestRefused,
    parse_interaction,
    read_ref,
    remember_in,
    sign_ref,
    verify_request,
)
from greenlight.slack_api import (
    BotIdentity,
    PostedMessage,
    SlackFailure,
    bot_identity,
    email_of_user,
    mention_ids,
    open_modal,
    post_message,
    tell_privately,
    update_message,
    user_by_email,
    web_client,
)
from greenlight.slack_messages import RequestFacts, SlackMessage, Tally, request_message, vote_modal
from local.slack import SlackServer, Workspace

SECRET = "e3b0c44298fc1c149afbf4c8996fb924"
KEYS = ["s" * 40]
REF = RequestRef("q1w2e3r4t5y6u7i8o9p0aSdF", "payments", "Approval", "ManualApproval")


class Clock:
    """The workspace's clock: real time, moved on by a test when it needs time to pass."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class App:
    """An app's Request URL: verifies each request as the decide function will and, for a
    click, opens the vote modal with the click's trigger_id."""

    secret: str
    api_url: str = ""
    token: str = ""
    received: list[Interaction] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    modal_failures: list[SlackFailure] = field(default_factory=list)

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        now = datetime.now(UTC)
        try:
            verify_request(headers, body, self.secret, now, remember_in(self.seen, now))
        except SlackRequestRefused as refused:
            self.refused.append(refused.reason)
            return 401
        interaction = parse_interaction(body)
        self.received.append(interaction)
        if isinstance(interaction, ButtonClick):
            ref = read_ref(interaction.request_ref, KEYS)
            metadata = sign_ref(RequestRef(ref.request_id, ref.pipeline, ref.stage, ref.action,
                                           interaction.decision), KEYS)
            failed = open_modal(web_client(self.token, self.api_url), interaction.trigger_id,
                                vote_modal(metadata, interaction.decision, needs_reason=True))
            if failed:
                self.modal_failures.append(failed)
        return 200


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app() -> Iterator[tuple[App, str]]:
    state = App(SECRET)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = state.handle(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=lambda: httpd.serve_forever(poll_interval=0.05),
                              daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}/slack/interactions"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def slack(clock: Clock, app: tuple[App, str]) -> Iterator[SlackServer]:
    state, url = app
    with SlackServer(Workspace(clock=clock), request_url=url, signing_secret=SECRET) as server:
        state.api_url, state.token = server.api_url, server.workspace.bot_token
        yield server


@pytest.fixture
def client(slack: SlackServer) -> WebClient:
    return web_client(slack.workspace.bot_token, slack.api_url)


def message(text: str = "Approval needed") -> SlackMessage:
    facts = RequestFacts("payments", "Approval", "ManualApproval",
                         ApprovalContext(region="us-east-1", custom_data=text),
                         datetime(2030, 1, 1, tzinfo=UTC))
    return request_message(facts, Tally(needed=2), ref=sign_ref(REF, KEYS))


def calls_of(slack: SlackServer, method: str) -> int:
    return sum(1 for name, _ in slack.workspace.calls if name == method)


# --- the Web API -------------------------------------------------------------------------------

def test_auth_test_names_the_bots_team_and_user(client: WebClient) -> None:
    assert bot_identity(client) == BotIdentity("T0GREENLT", "U0GREENBT", "B0GREENLT")


def test_a_wrong_bot_token_is_invalid_auth(slack: SlackServer) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xoxb-wrong", base_url=slack.api_url).auth_test()
    assert refused.value.response["error"] == "invalid_auth"
    assert bot_identity(web_client("xoxb-wrong", slack.api_url)) == SlackFailure(
        "auth.test", "invalid_auth")


def test_a_call_without_a_token_is_not_authed(slack: SlackServer) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=slack.api_url).auth_test()
    assert refused.value.response["error"] == "not_authed"


def test_a_posted_message_is_kept_with_its_ts(client: WebClient, slack: SlackServer) -> None:
    posted = post_message(client, "C0DEPLOYS", message())
    assert isinstance(posted, PostedMessage) and posted.channel == "C0DEPLOYS"
    (kept,) = slack.workspace.messages["C0DEPLOYS"]
    assert kept.ts == posted.ts and kept.blocks == message().blocks


def _raw_call(slack: SlackServer, method: str, body: str, kind: str,
              headers: dict[str, str] | None = None) -> Any:
    connection = http.client.HTTPConnection(urlsplit(slack.url).netloc, timeout=5)
    connection.request("POST", f"/api/{method}", body=body,
                       headers={"Content-Type": kind, **(headers or {})})
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return answer


def test_form_encoded_calls_with_the_token_in_the_body_work_as_on_slack(
        slack: SlackServer) -> None:
    answer = _raw_call(slack, "chat.postMessage", urlencode({
        "token": slack.workspace.bot_token, "channel": "#deploys", "text": "plain",
        "blocks": '[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]'}),
        "application/x-www-form-urlencoded")
    assert answer["ok"] and answer["channel"] == "C0DEPLOYS"
    assert slack.workspace.messages["C0DEPLOYS"][0].blocks[0]["text"]["text"] == "hi"


def test_a_json_call_must_carry_its_token_in_the_header(slack: SlackServer) -> None:
    body = json.dumps({"token": slack.workspace.bot_token, "channel": "C0DEPLOYS", "text": "x"})
    assert _raw_call(slack, "chat.postMessage", body, "application/json") == {
        "ok": False, "error": "not_authed"}
    assert _raw_call(slack, "chat.postMessage", body, "application/json; charset=utf-8",
                     {"Authorization": f"Bearer {slack.workspace.bot_token}"})["ok"] is True


@pytest.mark.parametrize("channel, error", [("C0NOWHERE", "channel_not_found"),
                                            ("C0ELSEWHR", "not_in_channel")])
def test_posting_where_the_bot_cannot_is_refused(client: WebClient, channel: str,
                                                 error: str) -> None:
    assert post_message(client, channel, message()) == SlackFailure("chat.postMessage", error)


def test_a_message_is_updated_in_place(client: WebClient, slack: SlackServer) -> None:
    posted = post_message(client, "C0DEPLOYS", message())
    assert isinstance(posted, PostedMessage)
    assert update_message(client, posted, SlackMessage("Approved", [])) is None
    (kept,) = slack.workspace.messages["C0DEPLOYS"]
    assert (kept.text, kept.blocks, kept.edited) == ("Approved", [], True)


def test_updating_a_message_that_is_not_there_is_message_not_found(client: WebClient) -> None:
    missing = PostedMessage("C0DEPLOYS", "1700000000.000001")
    assert update_message(client, missing, message()) == SlackFailure(
        "chat.update", "message_not_found")


def test_an_ephemeral_message_reaches_only_its_user(client: WebClient,
                                                    slack: SlackServer) -> None:
    assert tell_privately(client, "C0DEPLOYS", "U0MALLORY", "You are not an approver.") is None
    (private,) = slack.workspace.ephemerals
    assert (private.user, private.text) == ("U0MALLORY", "You are not an approver.")
    assert slack.workspace.messages["C0DEPLOYS"] == []


def test_an_ephemeral_message_to_someone_outside_the_channel_is_refused(
        client: WebClient) -> None:
    assert tell_privately(client, "C0ELSEWHR", "U0GREENBT", "hi") == SlackFailure(
        "chat.postEphemeral", "user_not_in_channel")


def test_a_modal_opens_once_with_a_fresh_trigger(client: WebClient, slack: SlackServer) -> None:
    trigger = slack.workspace.issue_trigger("U0ALICE01")
    view = vote_modal("meta", Decision.APPROVE, needs_reason=True)
    assert open_modal(client, trigger, view) is None
    (opened,) = slack.workspace.open_views_of("U0ALICE01")
    assert opened.view["callback_id"] == "greenlight_vote:approve"
    assert open_modal(client, trigger, view) == SlackFailure("views.open", "exchanged_trigger_id")


def test_a_trigger_older_than_three_seconds_has_expired(client: WebClient, slack: SlackServer,
                                                        clock: Clock) -> None:
    trigger = slack.workspace.issue_trigger("U0ALICE01")
    clock.offset += 3.5
    assert open_modal(client, trigger, vote_modal("m", Decision.APPROVE, needs_reason=True)) == (
        SlackFailure("views.open", "expired_trigger_id"))


def test_an_unknown_trigger_is_invalid(client: WebClient) -> None:
    assert open_modal(client, "1.2.abc", vote_modal("m", Decision.REJECT, needs_reason=True)) == (
        SlackFailure("views.open", "invalid_trigger_id"))


def test_people_are_found_by_address_and_by_id(client: WebClient) -> None:
    cache: dict[str, tuple[str | None, float]] = {}
    assert user_by_email(client, "bob@example.com", cache, now=0.0) == "U0BOB0002"
    assert user_by_email(client, "nobody@example.com", cache, now=0.0) is None
    assert email_of_user(client, "U0CAROL03") == "carol@example.com"
    assert email_of_user(client, "U0NOBODY0") is None
    assert email_of_user(client, "U0GREENBT") is None  # the bot has no address


def test_lookups_are_cached_until_their_time_is_up(client: WebClient,
                                                   slack: SlackServer) -> None:
    cache: dict[str, tuple[str | None, float]] = {}
    approvers = ["alice@example.com", "nobody@example.com", "carol@example.com"]
    assert mention_ids(client, approvers, cache, now=100.0) == ["U0ALICE01", "U0CAROL03"]
    assert mention_ids(client, approvers, cache, now=200.0) == ["U0ALICE01", "U0CAROL03"]
    assert calls_of(slack, "users.lookupByEmail") == 3
    mention_ids(client, approvers, cache, now=100.0 + 15 * 60 + 1)
    assert calls_of(slack, "users.lookupByEmail") == 6


def test_an_unknown_method_is_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call("chat.deleteEverything")
    assert refused.value.response["error"] == "unknown_method"


# --- faults ------------------------------------------------------------------------------------

def test_a_failing_method_answers_its_error_and_then_recovers(client: WebClient,
                                                              slack: SlackServer) -> None:
    slack.workspace.fail_next("chat.postMessage", "internal_error")
    failed = post_message(client, "C0DEPLOYS", message())
    assert failed == SlackFailure("chat.postMessage", "internal_error") and failed.retryable
    assert isinstance(post_message(client, "C0DEPLOYS", message()), PostedMessage)


def test_a_short_rate_limit_is_waited_out_by_the_retry_handler(client: WebClient,
                                                               slack: SlackServer) -> None:
    slack.workspace.rate_limit_next("chat.update", times=1, retry_after=0)
    posted = post_message(client, "C0DEPLOYS", message())
    assert isinstance(posted, PostedMessage)
    assert update_message(client, posted, message("second")) is None
    assert calls_of(slack, "chat.update") == 2


def test_a_lasting_rate_limit_is_given_up_on_after_two_retries(client: WebClient,
                                                               slack: SlackServer) -> None:
    slack.workspace.rate_limit_next("chat.postMessage", times=5, retry_after=0)
    failed = post_message(client, "C0DEPLOYS", message())
    assert failed == SlackFailure("chat.postMessage", "ratelimited") and failed.retryable
    assert calls_of(slack, "chat.postMessage") == 3


def test_a_long_retry_after_is_not_slept_through(client: WebClient, slack: SlackServer) -> None:
    slack.workspace.rate_limit_next("chat.postMessage", times=1, retry_after=60)
    started = time.monotonic()
    assert post_message(client, "C0DEPLOYS", message()) == SlackFailure(
        "chat.postMessage", "ratelimited")
    assert calls_of(slack, "chat.postMessage") == 1
    assert time.monotonic() - started < 30


def test_a_429_carries_retry_after_as_slack_sends_it(slack: SlackServer) -> None:
    slack.workspace.rate_limit_next("auth.test", retry_after=7)
    connection = http.client.HTTPConnection(urlsplit(slack.url).netloc, timeout=5)
    connection.request("POST", "/api/auth.test", headers={
        "Authorization": f"Bearer {slack.workspace.bot_token}"})
    answer = connection.getresponse()
    assert (answer.status, answer.getheader("Retry-After")) == (429, "7")
    assert answer.read() == b'{"ok": false, "error": "ratelimited"}'
    connection.close()


def test_slack_unreachable_is_a_failure_to_retry_not_an_exception() -> None:
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = closed.server_address[1]
    closed.server_close()
    failed = post_message(web_client("xoxb-x", f"http://127.0.0.1:{port}/api/"), "C0DEPLOYS",
                          message())
    assert failed == SlackFailure("chat.postMessage", "connection") and failed.retryable


# --- interactions sent to the app --------------------------------------------------------------

def posted_ts(client: WebClient) -> str:
    posted = post_message(client, "C0DEPLOYS", message())
    assert isinstance(posted, PostedMessage)
    return posted.ts


def test_a_click_reaches_the_app_signed_and_opens_the_modal(
        client: WebClient, slack: SlackServer, app: tuple[App, str]) -> None:
    state, _ = app
    assert slack.interactions is not None
    ts = posted_ts(client)
    delivery = slack.interactions.click("U0BOB0002", "C0DEPLOYS", ts, "greenlight_reject")
    assert delivery.status == 200 and state.refused == [] and state.modal_failures == []
    (click,) = state.received
    assert isinstance(click, ButtonClick)
    assert (click.user_id, click.message_ts, click.decision) == ("U0BOB0002", ts,
                                                                 Decision.REJECT)
    (view,) = slack.workspace.open_views_of("U0BOB0002")
    assert slack.interactions.submit(view.id, {"comment": {"comment": "Broke checkout"}}).status \
        == 200
    submitted = state.received[-1]
    assert isinstance(submitted, ModalSubmission)
    assert (submitted.decision, submitted.comment) == (Decision.REJECT, "Broke checkout")
    assert read_ref(submitted.request_ref, KEYS, decision=Decision.REJECT).request_id == \
        REF.request_id
    assert slack.workspace.open_views_of("U0BOB0002") == []


def test_a_click_signed_with_another_secret_is_refused(
        client: WebClient, slack: SlackServer, app: tuple[App, str]) -> None:
    state, _ = app
    assert slack.interactions is not None
    payload = slack.interactions.block_actions("U0BOB0002", "C0DEPLOYS", posted_ts(client),
                                               "greenlight_approve")
    delivery = slack.interactions.send(slack.interactions.signed(payload, secret="not-ours"))
    assert delivery.status == 401 and state.refused == ["bad-signature"]
    assert state.received == [] and slack.workspace.views == {}


def test_a_click_signed_long_ago_is_refused(client: WebClient, slack: SlackServer,
                                            app: tuple[App, str]) -> None:
    state, _ = app
    assert slack.interactions is not None
    payload = slack.interactions.block_actions("U0BOB0002", "C0DEPLOYS", posted_ts(client),
                                               "greenlight_approve")
    stale = slack.interactions.signed(payload, timestamp=int(time.time()) - 600)
    assert slack.interactions.send(stale).status == 401 and state.refused == ["stale"]


def test_the_same_signed_click_sent_twice_is_refused_the_second_time(
        client: WebClient, slack: SlackServer, app: tuple[App, str]) -> None:
    state, _ = app
    assert slack.interactions is not None
    payload = slack.interactions.block_actions("U0BOB0002", "C0DEPLOYS", posted_ts(client),
                                               "greenlight_approve")
    request = slack.interactions.signed(payload)
    assert slack.interactions.send(request).status == 200
    assert slack.interactions.send(request).status == 401
    assert state.refused == ["replayed"] and len(state.received) == 1


# --- the channel page --------------------------------------------------------------------------

def _get(slack: SlackServer, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(urlsplit(slack.url).netloc, timeout=5)
    connection.request("GET", path)
    answer = connection.getresponse()
    result = answer.status, answer.read().decode()
    connection.close()
    return result


def _post(slack: SlackServer, path: str, form: dict[str, str]) -> tuple[int, str | None]:
    connection = http.client.HTTPConnection(urlsplit(slack.url).netloc, timeout=10)
    connection.request("POST", path, body=urlencode(form),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    answer = connection.getresponse()
    answer.read()
    result = answer.status, answer.getheader("Location")
    connection.close()
    return result


def test_the_channel_page_shows_the_message_inertly_with_its_buttons(
        client: WebClient, slack: SlackServer) -> None:
    post_message(client, "C0DEPLOYS", message("<!channel> <script>alert(1)</script>"))
    status, page = _get(slack, "/channels/C0DEPLOYS?as=U0ALICE01")
    assert status == 200
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;!channel&gt;" in page and 'class="mention"' not in page
    assert page.count('name="action_id"') == 2


def test_clicking_on_the_page_sends_the_interaction_and_shows_the_modal(
        client: WebClient, slack: SlackServer, app: tuple[App, str]) -> None:
    state, _ = app
    ts = posted_ts(client)
    status, location = _post(slack, "/channels/C0DEPLOYS/click",
                             {"ts": ts, "action_id": "greenlight_approve", "as": "U0ALICE01"})
    assert status == 303 and location and location.startswith("/channels/C0DEPLOYS?")
    (click,) = state.received
    assert isinstance(click, ButtonClick) and click.user_id == "U0ALICE01"
    _, page = _get(slack, "/channels/C0DEPLOYS?as=U0ALICE01")
    (view,) = slack.workspace.open_views_of("U0ALICE01")
    assert f"/views/{view.id}/submit" in page
    assert _post(slack, f"/views/{view.id}/submit", {"as": "U0ALICE01", "channel": "C0DEPLOYS",
                                                      "v:comment:comment": "Ship it"})[0] == 303
    submitted = state.received[-1]
    assert isinstance(submitted, ModalSubmission) and submitted.comment == "Ship it"
