"""Parsing what CodePipeline publishes, and telling other messages apart."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from greenlight.approval import (
    InvalidApprovalMessage,
    NotAnApproval,
    parse_approval_message,
    safe_url,
)
from tests.conftest import sns_message


def test_the_sample_approval_message_parses() -> None:
    request = parse_approval_message(sns_message("approval-request.json"))
    assert (request.pipeline, request.stage, request.action) == (
        "greenlight-demo", "Approval", "ManualApproval")
    assert request.expires == datetime(2099, 12, 31, 23, 59, tzinfo=UTC)
    assert request.custom_data and request.external_entity_link
    assert request.region == "us-east-1"


def test_null_custom_data_and_external_link_are_optional() -> None:
    request = parse_approval_message(sns_message("approval-request-null-fields.json"))
    assert request.custom_data is None and request.external_entity_link is None


def test_missing_optional_fields_are_optional_too() -> None:
    message = json.loads(sns_message("approval-request.json"))
    del message["approval"]["customData"], message["approval"]["externalEntityLink"]
    assert parse_approval_message(json.dumps(message)).custom_data is None


@pytest.mark.parametrize(("event", "kind"), [
    ("codestar-notification.json", "codestar-notification"),
    ("sns-plain-text.json", "plain-text"),
])
def test_other_messages_on_the_topic_are_not_approvals(event: str, kind: str) -> None:
    with pytest.raises(NotAnApproval) as skipped:
        parse_approval_message(sns_message(event))
    assert skipped.value.kind == kind


def test_an_eventbridge_event_is_not_an_approval() -> None:
    with pytest.raises(NotAnApproval):
        parse_approval_message(json.dumps({"detail-type": "x", "source": "aws.codepipeline"}))


@pytest.mark.parametrize(("field", "value"), [
    ("token", None), ("token", 42), ("token", "not a token!"), ("pipelineName", ""),
    ("pipelineName", "a/b"), ("stageName", None), ("actionName", ["x"]), ("expires", None),
    ("expires", "tomorrow"), ("customData", 5),
])
def test_a_malformed_approval_is_invalid(field: str, value: object) -> None:
    message = json.loads(sns_message("approval-request.json"))
    message["approval"][field] = value
    with pytest.raises(InvalidApprovalMessage):
        parse_approval_message(json.dumps(message))


def test_a_javascript_external_link_is_dropped() -> None:
    message = json.loads(sns_message("approval-request.json"))
    message["approval"]["externalEntityLink"] = "javascript:alert(1)"
    assert parse_approval_message(json.dumps(message)).external_entity_link is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "https://a b/",
                                 "//evil.example", "https://ok.example/\r\nX: y", 5, None])
def test_only_plain_http_links_are_kept(url: object) -> None:
    assert safe_url(url) is None


def test_expiry_accepts_seconds_and_offsets() -> None:
    message = json.loads(sns_message("approval-request.json"))
    message["approval"]["expires"] = "2026-12-01T10:00:00+01:00"
    assert parse_approval_message(json.dumps(message)).expires == datetime(
        2026, 12, 1, 9, 0, tzinfo=UTC)
