"""The two event shapes the functions read, taken from the event as Lambda hands it.

Powertools' data classes would do it, but importing any of them loads the whole package:
every event class Powertools has, about 25 ms of each cold start of notify and tell.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

_DESERIALIZER = TypeDeserializer()


def sns_messages(event: Mapping[str, Any]) -> Iterator[tuple[str | None, str]]:
    """Each SNS record's MessageId and Message, in order."""
    for record in event["Records"]:
        sns = record["Sns"]
        yield sns.get("MessageId"), sns["Message"]


def new_images(event: Mapping[str, Any]) -> Iterator[dict[str, Any] | None]:
    """Each DynamoDB stream record's new image as Python values (numbers as Decimal, sets as
    sets), or None where the record has none (a deletion)."""
    for record in event["Records"]:
        image = (record.get("dynamodb") or {}).get("NewImage")
        yield ({name: _DESERIALIZER.deserialize(value) for name, value in image.items()}
               if image else None)
