"""The SNS and DynamoDB stream events, read as Powertools' data classes read them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent, SNSEvent

from greenlight.events import new_images, sns_messages
from tests.conftest import load_event

STREAM_EVENT: dict[str, Any] = {"Records": [
    {"eventName": "MODIFY", "eventSource": "aws:dynamodb", "dynamodb": {
        "Keys": {"request_id": {"S": "r1"}},
        "NewImage": {
            "request_id": {"S": "r1"}, "status": {"S": "approved"},
            "min_approvals": {"N": "2"}, "expires_at": {"N": "1796083200"},
            "ratio": {"N": "0.5"}, "requester_known": {"BOOL": True},
            "summary": {"NULL": True}, "approvers": {"L": [{"S": "a@example.com"}]},
            "votes": {"M": {"a@example.com": {"M": {"decision": {"S": "approve"}}}}},
            "tags": {"SS": ["x", "y"]}, "numbers": {"NS": ["1", "2.5"]}},
        "StreamViewType": "NEW_IMAGE"}},
    {"eventName": "REMOVE", "eventSource": "aws:dynamodb",
     "dynamodb": {"Keys": {"request_id": {"S": "r2"}}, "StreamViewType": "NEW_IMAGE"}},
]}


@pytest.mark.parametrize("name", ["approval-request.json", "approval-request-null-fields.json",
                                  "codestar-notification.json", "sns-plain-text.json"])
def test_sns_messages_are_what_snsevent_reads(name: str) -> None:
    event = load_event(name)
    expected = [(r.sns.message_id, r.sns.message) for r in SNSEvent(event).records]
    assert list(sns_messages(event)) == expected and expected


def test_new_images_are_what_dynamodbstreamevent_reads() -> None:
    expected = [r.dynamodb.new_image if r.dynamodb else None
                for r in DynamoDBStreamEvent(STREAM_EVENT).records]
    images = list(new_images(STREAM_EVENT))
    assert images == [expected[0], None]
    first = images[0]
    assert first is not None
    assert first["min_approvals"] == Decimal(2) and first["ratio"] == Decimal("0.5")
    assert first["tags"] == {"x", "y"} and first["numbers"] == {Decimal(1), Decimal("2.5")}
    assert first["summary"] is None and first["requester_known"] is True
    assert first["votes"] == {"a@example.com": {"decision": "approve"}}


def test_an_event_without_records_is_refused_as_powertools_refuses_it() -> None:
    with pytest.raises(KeyError):
        list(sns_messages({}))
    with pytest.raises(KeyError):
        list(new_images({}))
