"""The replay guard for Slack's requests, in the approvals table: one item per verified
request (`slack-replay#<digest>`), written only if it is not there yet.

Why the table and not each container's memory: Lambda runs several containers side by side,
and a replay sent to another container than the original would pass a guard held in memory.
A conditional write is one answer for all of them. The item carries no `pending` or
`pipeline`, so no index or sweep ever sees it, and DynamoDB's TTL removes it once its
signature is too old to verify anyway.
"""

from __future__ import annotations

from typing import Any

from greenlight.slack import REPLAY_WINDOW_SECONDS
from greenlight.store import _update_if

REPLAY_PREFIX = "slack-replay#"


def remember_request(table: Any, digest: str, timestamp: int) -> bool:
    """True the first time a verified request's digest is seen, False after."""
    return _update_if(
        table, Key={"request_id": REPLAY_PREFIX + digest},
        UpdateExpression="SET expires_ttl = :ttl",
        ConditionExpression="attribute_not_exists(request_id)",
        ExpressionAttributeValues={":ttl": timestamp + 2 * REPLAY_WINDOW_SECONDS},
    ) is not None
