"""Slack: settings, the policy field, signed requests, interaction payloads, references,
Block Kit (nothing from data may mention, link or format), the vote modal, who a user is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from greenlight.config import ConfigurationError
from greenlight.links import ApprovalContext, Decision, LinkClaims, Revision, sign_link
from greenlight.policy import PolicyError
from greenlight.slack import (
    BadInteraction,
    ButtonClick,
    ModalSubmission,
    RefInvalid,
    RequestRef,
    SlackRequestRefused,
    SlackRule,
    SlackSettings,
    parse_interaction,
    read_ref,
    remember_in,
    sign_ref,
    slack_rule,
    verify_request,
)
from greenlight.slack_api import SlackFailure, approver_of_slack_user
from greenlight.slack_messages import (
    RequestFacts,
    Tally,
    outcome_message,
    request_message,
    vote_modal,
)
from local.slack.interactions import Interactions, form_body, sign
from local.slack.workspace import Message, Workspace

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
KEYS = ["k" * 40]
NOW = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
TOKEN_DIGEST = "q1w2e3r4t5y6u7i8o9p0aSdF"
REF = RequestRef(TOKEN_DIGEST, "payments", "Approval", "ManualApproval")
BODY = form_body({"type": "block_actions", "user": {"id": "U0ALICE01"}})


def signed_headers(body: bytes, at: datetime, secret: str = SECRET) -> dict[str, str]:
    return sign(body, secret, int(at.timestamp())).headers


# --- settings and policy -----------------------------------------------------------------------

def test_without_its_secrets_slack_is_off() -> None:
    assert SlackSettings.from_env({}) is None
    assert SlackSettings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api/"}) is None


def test_settings_name_both_secrets_and_default_to_slacks_api() -> None:
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN_ARN": "arn:token",
                                       "SLACK_SIGNING_SECRET_ARN": "arn:secret"})
    assert settings == SlackSettings("arn:token", "arn:secret", "https://slack.com/api/")


def test_the_api_url_gets_the_slash_webclient_needs() -> None:
    settings = SlackSettings.from_env({"SLACK_BOT_TOKEN_ARN": "a", "SLACK_SIGNING_SECRET_ARN": "b",
                                       "SLACK_API_URL": "http://127.0.0.1:8100/api"})
    assert settings is not None and settings.api_url == "http://127.0.0.1:8100/api/"


@pytest.mark.parametrize("env", [{"SLACK_BOT_TOKEN_ARN": "a"}, {"SLACK_SIGNING_SECRET_ARN": "b"}])
def test_one_secret_without_the_other_fails_at_start(env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match="SLACK_"):
        SlackSettings.from_env(env)


def test_an_api_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="SLACK_API_URL"):
        SlackSettings.from_env({"SLACK_BOT_TOKEN_ARN": "a", "SLACK_SIGNING_SECRET_ARN": "b",
                                "SLACK_API_URL": "file:///etc/passwd"})


def test_a_rule_names_a_channel_id_and_may_mention() -> None:
    assert slack_rule({"channel": "C0DEPLOYS"}, "rules[0].slack") == SlackRule("C0DEPLOYS")
    assert slack_rule({"channel": "C0DEPLOYS", "mention": True}, "x") == SlackRule(
        "C0DEPLOYS", True)
    assert slack_rule(None, "x") is None


@pytest.mark.parametrize("raw, says", [
    ({"channel": "#deploys"}, "channel id"),
    ({"channel": "U0ALICE01"}, "channel id"),
    ({}, "channel id"),
    ({"channel": "C0DEPLOYS", "mention": "yes"}, "true or false"),
    ({"channel": "C0DEPLOYS", "webhook": "https://x"}, "unknown fields: webhook"),
    ("C0DEPLOYS", "object"),
])
def test_a_malformed_slack_field_is_a_policy_error(raw: Any, says: str) -> None:
    with pytest.raises(PolicyError, match=says) as refused:
        slack_rule(raw, "rules[2].slack")
    assert "rules[2].slack" in str(refused.value)


# --- signed requests ---------------------------------------------------------------------------

def test_a_request_slack_signed_just_now_is_accepted() -> None:
    verify_request(signed_headers(BODY, NOW), BODY, SECRET, NOW)
    verify_request(signed_headers(BODY, NOW - timedelta(minutes=4)), BODY, SECRET, NOW)


def test_header_names_are_matched_without_case() -> None:
    headers = {k.lower(): v for k, v in signed_headers(BODY, NOW).items()}
    verify_request(headers, BODY, SECRET, NOW)


def test_a_request_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(SlackRequestRefused) as refused:
        verify_request(signed_headers(BODY, NOW, "another-apps-secret"), BODY, SECRET, NOW)
    assert refused.value.reason == "bad-signature"


def test_a_body_changed_after_signing_is_refused() -> None:
    headers = signed_headers(BODY, NOW)
    changed = BODY.replace(b"U0ALICE01", b"U0MALLORY")
    with pytest.raises(SlackRequestRefused, match="bad-signature"):
        verify_request(headers, changed, SECRET, NOW)


def test_a_signature_moved_to_another_timestamp_is_refused() -> None:
    headers = signed_headers(BODY, NOW)
    headers["X-Slack-Request-Timestamp"] = str(int(NOW.timestamp()) - 1)
    with pytest.raises(SlackRequestRefused, match="bad-signature"):
        verify_request(headers, BODY, SECRET, NOW)


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6),
                                    timedelta(days=-365)])
def test_a_genuine_request_more_than_five_minutes_off_is_refused(offset: timedelta) -> None:
    with pytest.raises(SlackRequestRefused) as refused:
        verify_request(signed_headers(BODY, NOW + offset), BODY, SECRET, NOW)
    assert refused.value.reason == "stale"


@pytest.mark.parametrize("drop", ["X-Slack-Signature", "X-Slack-Request-Timestamp"])
def test_a_request_without_its_signature_headers_is_refused(drop: str) -> None:
    headers = signed_headers(BODY, NOW)
    del headers[drop]
    with pytest.raises(SlackRequestRefused, match="missing-signature"):
        verify_request(headers, BODY, SECRET, NOW)


ARABIC_DIGITS = "\u0661\u0667" + "\u0660" * 8  # digits to isdigit(), not to int() in ASCII


@pytest.mark.parametrize("stamp", ["", "abc", "1e9", "-1700000000", ARABIC_DIGITS, "9" * 40])
def test_a_timestamp_that_is_not_a_number_is_refused_unread(stamp: str) -> None:
    headers = signed_headers(BODY, NOW)
    headers["X-Slack-Request-Timestamp"] = stamp
    with pytest.raises(SlackRequestRefused):
        verify_request(headers, BODY, SECRET, NOW)


def test_a_body_that_is_not_utf8_is_refused() -> None:
    body = b"payload=\xff\xfe"
    with pytest.raises(SlackRequestRefused, match="bad-signature"):
        verify_request({"X-Slack-Request-Timestamp": str(int(NOW.timestamp())),
                        "X-Slack-Signature": "v0=" + "0" * 64}, body, SECRET, NOW)


def test_a_replayed_request_is_refused_the_second_time() -> None:
    seen: dict[str, int] = {}
    headers = signed_headers(BODY, NOW)
    verify_request(headers, BODY, SECRET, NOW, remember_in(seen, NOW))
    with pytest.raises(SlackRequestRefused, match="replayed"):
        verify_request(headers, BODY, SECRET, NOW + timedelta(seconds=30),
                       remember_in(seen, NOW + timedelta(seconds=30)))


def test_a_forged_request_is_not_remembered_as_seen() -> None:
    seen: dict[str, int] = {}
    with pytest.raises(SlackRequestRefused):
        verify_request(signed_headers(BODY, NOW, "wrong"), BODY, SECRET, NOW,
                       remember_in(seen, NOW))
    assert seen == {}
    verify_request(signed_headers(BODY, NOW), BODY, SECRET, NOW, remember_in(seen, NOW))


def test_the_replay_guard_forgets_what_is_too_old_to_verify() -> None:
    seen = {"old": int((NOW - timedelta(minutes=11)).timestamp()),
            "recent": int((NOW - timedelta(minutes=2)).timestamp())}
    remember_in(seen, NOW)
    assert set(seen) == {"recent"}


# --- interaction payloads ----------------------------------------------------------------------

@pytest.fixture
def workspace() -> Workspace:
    space = Workspace(clock=lambda: NOW.timestamp())
    blocks = request_message(facts(), Tally(needed=2), ref=sign_ref(REF, KEYS)).blocks
    space.messages["C0DEPLOYS"].append(Message("C0DEPLOYS", "1795774500.000100", space.bot.id,
                                               "Approval needed", blocks))
    return space


@pytest.fixture
def interactions(workspace: Workspace) -> Interactions:
    return Interactions(workspace, "http://127.0.0.1:9/slack/interactions", SECRET)


def click_payload(interactions: Interactions, action: str = "greenlight_reject",
                  user: str = "U0BOB0002") -> dict[str, Any]:
    return interactions.block_actions(user, "C0DEPLOYS", "1795774500.000100", action)


def modal_payload(interactions: Interactions, comment: str | None = "Broke checkout",
                  decision: Decision = Decision.REJECT) -> dict[str, Any]:
    metadata = sign_ref(RequestRef(REF.request_id, REF.pipeline, REF.stage, REF.action,
                                   decision), KEYS)
    view = vote_modal(metadata, decision, needs_reason=True)
    opened = interactions.workspace.call("views.open", {
        "trigger_id": interactions.workspace.issue_trigger("U0BOB0002"), "view": view},
        interactions.workspace.bot_token)
    view_id = opened.body["view"]["id"]
    return interactions.view_submission(interactions.workspace.views[view_id],
                                        {"comment": {"comment": comment or ""}})


def test_a_click_on_reject_is_read_as_slack_sends_it(interactions: Interactions) -> None:
    click = parse_interaction(form_body(click_payload(interactions)))
    assert isinstance(click, ButtonClick)
    assert (click.user_id, click.team_id, click.channel, click.message_ts, click.decision) == (
        "U0BOB0002", "T0GREENLT", "C0DEPLOYS", "1795774500.000100", Decision.REJECT)
    assert click.trigger_id
    assert read_ref(click.request_ref, KEYS) == REF


def test_a_submitted_modal_is_read_with_its_comment(interactions: Interactions) -> None:
    submitted = parse_interaction(form_body(modal_payload(interactions)))
    assert isinstance(submitted, ModalSubmission)
    assert (submitted.user_id, submitted.team_id, submitted.decision, submitted.comment) == (
        "U0BOB0002", "T0GREENLT", Decision.REJECT, "Broke checkout")
    ref = read_ref(submitted.request_ref, KEYS, decision=submitted.decision)
    assert ref.request_id == TOKEN_DIGEST


def test_an_empty_optional_comment_is_an_empty_string(interactions: Interactions) -> None:
    submitted = parse_interaction(form_body(modal_payload(interactions, None, Decision.APPROVE)))
    assert isinstance(submitted, ModalSubmission) and submitted.comment == ""


def test_a_payload_as_slacks_docs_show_it_is_read() -> None:
    payload = {"type": "block_actions", "team": {"id": "T9TK3CUKW", "domain": "example"},
               "user": {"id": "UA8RXUSPL", "username": "jtorrance", "team_id": "T9TK3CUKW"},
               "api_app_id": "AABA1ABCD", "trigger_id": "12321423423.333649436676.d8c1bb837",
               "container": {"type": "message", "message_ts": "1548261231.000200",
                             "channel_id": "CBR2V3XEX"},
               "channel": {"id": "CBR2V3XEX", "name": "review-updates"},
               "response_url": "https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09s",
               "actions": [{"action_id": "greenlight_approve", "block_id": "greenlight_vote",
                            "text": {"type": "plain_text", "text": "Approve"},
                            "value": "ref", "type": "button", "action_ts": "1548426417.840180"}]}
    click = parse_interaction(urlencode({"payload": json.dumps(payload)}))
    assert click == ButtonClick("UA8RXUSPL", "T9TK3CUKW", "12321423423.333649436676.d8c1bb837",
                                "CBR2V3XEX", "1548261231.000200", Decision.APPROVE, "ref")


def _changed(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(payload))
    *parents, last = path.split(".")
    target = copy
    for name in parents:
        target = target[int(name)] if isinstance(target, list) else target[name]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return copy


@pytest.mark.parametrize("path, value", [
    ("type", "view_closed"),
    ("type", "message_action"),
    ("actions.0.action_id", "another_apps_button"),
    ("actions.0.type", "static_select"),
    ("actions.0.value", ""),
    ("actions", []),
    ("user", KeyError),
    ("user.id", "alice"),
    ("user.id", "U0ALICE01\n"),
    ("trigger_id", KeyError),
    ("channel", KeyError),
    ("container.message_ts", "yesterday"),
])
def test_a_click_of_another_shape_is_refused(interactions: Interactions, path: str,
                                              value: Any) -> None:
    payload = _changed(click_payload(interactions), path, value)
    if path == "container.message_ts":
        payload["message"]["ts"] = "yesterday"
    with pytest.raises(BadInteraction):
        parse_interaction(form_body(payload))


def test_a_click_with_two_actions_is_refused(interactions: Interactions) -> None:
    payload = click_payload(interactions)
    payload["actions"].append(payload["actions"][0])
    with pytest.raises(BadInteraction, match="exactly one"):
        parse_interaction(form_body(payload))


@pytest.mark.parametrize("path, value", [
    ("view.callback_id", "another_apps_modal"),
    ("view.callback_id", "greenlight_vote:abstain"),
    ("view.private_metadata", ""),
    ("view.state", KeyError),
    ("view.state.values.comment.comment.value", 42),
    ("view.state.values.comment.comment.value", "x" * 1001),
])
def test_a_submission_of_another_shape_is_refused(interactions: Interactions, path: str,
                                                   value: Any) -> None:
    with pytest.raises(BadInteraction):
        parse_interaction(form_body(_changed(modal_payload(interactions), path, value)))


@pytest.mark.parametrize("body", [
    b"", b"payload=", b"payload=%7B", b"payload=%5B%5D", b"\xff", b"payload=1&payload=2",
    b"payload=%7B%7D&token=x", b"a=1&b=2&c=3&d=4&e=5&f=6", b"payload=" + b"a" * 200_000,
])
def test_a_body_that_is_not_one_json_payload_is_refused(body: bytes) -> None:
    with pytest.raises(BadInteraction):
        parse_interaction(body)


# --- references --------------------------------------------------------------------------------

def test_a_reference_reads_back_and_never_carries_a_token() -> None:
    signed = sign_ref(REF, KEYS)
    assert read_ref(signed, KEYS) == REF
    assert "token" not in signed and len(signed) < 300


def test_a_reference_signed_with_another_key_is_refused() -> None:
    with pytest.raises(RefInvalid):
        read_ref(sign_ref(REF, ["x" * 40]), KEYS)


@pytest.mark.parametrize("position", [0, 5, -1, -5])
def test_a_changed_reference_is_refused(position: int) -> None:
    signed = sign_ref(REF, KEYS)
    swapped = "A" if signed[position] != "A" else "B"
    with pytest.raises(RefInvalid):
        read_ref(signed[:position] + swapped + signed[position + 1:] if position != -1
                 else signed[:-1] + swapped, KEYS)


def test_an_approval_link_does_not_pass_for_a_reference() -> None:
    link = sign_link(LinkClaims("payments", "Approval", "ManualApproval", TOKEN_DIGEST,
                                "alice@example.com", Decision.APPROVE, NOW + timedelta(days=1),
                                ApprovalContext(region="us-east-1")), KEYS)
    with pytest.raises(RefInvalid):
        read_ref(link, KEYS)


def test_a_buttons_reference_does_not_open_as_a_modal_and_back() -> None:
    button = sign_ref(REF, KEYS)
    reject = sign_ref(RequestRef("r", "p", "s", "a", decision=Decision.REJECT), KEYS)
    with pytest.raises(RefInvalid):
        read_ref(button, KEYS, decision=Decision.APPROVE)
    with pytest.raises(RefInvalid):
        read_ref(reject, KEYS)
    with pytest.raises(RefInvalid):
        read_ref(reject, KEYS, decision=Decision.APPROVE)
    assert read_ref(reject, KEYS, decision=Decision.REJECT).decision is Decision.REJECT


@pytest.mark.parametrize("signed", [None, 42, "", "x" * 1001, "not.signed"])
def test_what_is_not_a_reference_is_refused(signed: object) -> None:
    with pytest.raises(RefInvalid):
        read_ref(signed, KEYS)


# --- Block Kit ---------------------------------------------------------------------------------

HOSTILE = "<!channel> & <https://evil.example|click here> <@U0BOB0002> <#C0DEPLOYS>"


def facts(**context: Any) -> RequestFacts:
    return RequestFacts("payments", "Approval", "ManualApproval",
                        ApprovalContext(region="us-east-1", **context), NOW + timedelta(days=1))


def texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def hostile_message() -> Any:
    return request_message(
        facts(custom_data=HOSTILE, requester=HOSTILE, trigger="<!here>",
              external_entity_link="<https://evil.example|Review>",
              revision=Revision("abc123", message=HOSTILE, url="https://x/<y>",
                                branch="<!subteam^S1>")),
        Tally(approvals=("alice@example.com",), needed=2, waiting_on=("<!everyone>",)),
        ref="signed-ref", mention_ids=["U0BOB0002", "<!channel>", "here"], note=HOSTILE)


def test_no_value_from_data_can_mention_link_or_reach_the_channel() -> None:
    message = hostile_message()
    shown = [*texts(message.blocks), message.text]
    for text in shown:
        without_ours = text.replace("<@U0BOB0002>", "") if text == "<@U0BOB0002>" else text
        assert "<" not in without_ours and ">" not in without_ours, text
    assert any("&lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;" in t
               for t in shown)


def test_only_the_ids_greenlight_looked_up_are_mentioned() -> None:
    mentions = [t for t in texts(hostile_message().blocks) if "<@" in t]
    assert mentions == ["<@U0BOB0002>"]


def test_text_carrying_data_is_verbatim_so_slack_links_nothing_itself() -> None:
    blocks = hostile_message().blocks
    objects = [o for b in blocks for o in [b.get("text"), *b.get("fields", []),
                                           *b.get("elements", [])]
               if isinstance(o, dict) and o.get("type") == "mrkdwn"]
    data = [o for o in objects if "<@" not in o["text"]]
    assert data and all(o["verbatim"] is True for o in data)


def test_a_pending_request_has_both_buttons_carrying_the_reference() -> None:
    buttons = [e for b in hostile_message().blocks if b["type"] == "actions"
               for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("greenlight_approve", "signed-ref"), ("greenlight_reject", "signed-ref")]


def test_without_a_reference_there_are_no_buttons() -> None:
    message = request_message(facts(), Tally(), ref=None)
    assert all(b["type"] != "actions" for b in message.blocks)


def test_the_outcome_has_no_buttons_and_shows_the_rejection() -> None:
    message = outcome_message(facts(), Tally(approvals=(), needed=1, rejected_by="bob@example.com",
                                             reason="<!channel> broke it"),
                              outcome="rejected", summary="Rejected by bob", at=NOW)
    assert all(b["type"] != "actions" for b in message.blocks)
    joined = "\n".join(texts(message.blocks))
    assert "Rejected by* bob@example.com: &lt;!channel&gt; broke it" in joined
    assert message.text.startswith("Rejected: payments")


def test_the_tally_counts_approvals_against_the_need() -> None:
    line = Tally(approvals=("alice@example.com",), needed=2).line()
    assert line == "*1 of 2 approvals*: alice@example.com"


def test_long_values_are_cut_to_slacks_limits() -> None:
    message = request_message(facts(custom_data="x" * 10_000, requester="y" * 5000), Tally(),
                              ref=None)
    assert all(len(t) <= 3000 for t in texts(message.blocks))


# --- the vote modal ----------------------------------------------------------------------------

def _input(view: dict[str, Any]) -> dict[str, Any]:
    (block,) = [b for b in view["blocks"] if b["type"] == "input"]
    return block


def test_rejecting_under_reject_needs_reason_requires_a_reason() -> None:
    view = vote_modal("meta", Decision.REJECT, needs_reason=True, facts=facts())
    block = _input(view)
    assert block["optional"] is False and block["element"]["min_length"] == 3
    assert (block["block_id"], block["element"]["action_id"]) == ("comment", "comment")
    assert block["element"]["type"] == "plain_text_input"
    assert block["element"]["max_length"] == 1000
    assert view["callback_id"] == "greenlight_vote:reject"
    assert view["private_metadata"] == "meta"
    assert len(view["title"]["text"]) <= 24


@pytest.mark.parametrize("decision, needs_reason", [(Decision.APPROVE, True),
                                                    (Decision.REJECT, False)])
def test_otherwise_the_comment_is_optional(decision: Decision, needs_reason: bool) -> None:
    block = _input(vote_modal("meta", decision, needs_reason=needs_reason))
    assert block["optional"] is True and "min_length" not in block["element"]


def test_the_modal_shows_what_is_decided_inertly() -> None:
    view = vote_modal("meta", Decision.APPROVE, needs_reason=True,
                      facts=RequestFacts("<!channel>", "s", "a", ApprovalContext(region="r"),
                                         NOW))
    assert "&lt;!channel&gt;" in view["blocks"][0]["text"]["text"]


# --- who a Slack user is -----------------------------------------------------------------------

APPROVERS = ("alice@example.com", "bob@example.com")


def resolve(user_id: str = "U0ALICE01", team_id: str = "T0GREENLT", *,
            identities: dict[str, str] | None = None, email: Any = "alice@example.com",
            directory: dict[str, Any] | None = None) -> Any:
    return approver_of_slack_user(
        user_id, team_id, approvers=APPROVERS, identities=identities or {},
        home_team="T0GREENLT", email_of=lambda _: email,
        user_of=lambda address: (directory or {}).get(address))


def test_a_user_is_the_approver_whose_address_is_on_their_profile() -> None:
    assert resolve() == "alice@example.com"


def test_the_policys_identities_name_a_user_first() -> None:
    assert resolve(identities={"slack:u0alice01": "bob@example.com"}) == "bob@example.com"


def test_a_user_mapped_to_someone_who_is_not_an_approver_is_nobody() -> None:
    assert resolve(identities={"slack:u0alice01": "mallory@example.com"}) is None


def test_a_guest_from_another_workspace_is_matched_only_through_identities() -> None:
    assert resolve(team_id="T0OTHERWS") is None
    assert resolve(team_id="T0OTHERWS",
                   identities={"slack:u0alice01": "alice@example.com"}) == "alice@example.com"


def test_a_user_without_an_address_is_found_by_looking_up_the_approvers() -> None:
    assert resolve(email=None, directory={"bob@example.com": "U0ALICE01"}) == "bob@example.com"


def test_a_user_who_is_no_approver_is_nobody() -> None:
    assert resolve(user_id="U0MALLORY", email="mallory@example.com") is None


def test_when_slack_cannot_be_asked_the_caller_is_told_so() -> None:
    failure = SlackFailure("users.info", "ratelimited")
    assert resolve(email=failure) == failure
    lookup = SlackFailure("users.lookupByEmail", "connection")
    assert resolve(email=None, directory={"alice@example.com": lookup}) == lookup
