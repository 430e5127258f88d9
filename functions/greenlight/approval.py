"""The approval request CodePipeline publishes to SNS, parsed and checked at the edge."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from greenlight.text import one_line

# Limits and patterns from CodePipeline's API model (PipelineName, StageName, ActionName,
# ApprovalToken) and the 500-character limit of an approval action's CustomData.
NAME = re.compile(r"^[A-Za-z0-9.@\-_]{1,100}$")
TOKEN = re.compile(r"^[a-fA-F0-9\-]{1,128}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
MAX_CUSTOM_DATA = 500
# The longest an approval action can wait: its timeout is 7 days by default and at most
# 86400 minutes. A message promising more is believed only this far.
MAX_APPROVAL_WAIT = timedelta(days=60)
MAX_LINK = 2048


class NotAnApproval(ValueError):
    """A message on the topic that is not an approval request (the topic may carry others)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class InvalidApprovalMessage(ValueError):
    """A message shaped like an approval request whose fields are missing or wrong."""


@dataclass(frozen=True)
class ApprovalRequest:
    """The approval message CodePipeline published, as its fields were read."""

    region: str
    pipeline: str
    stage: str
    action: str
    token: str
    expires: datetime
    console_link: str | None = None
    approval_review_link: str | None = None
    external_entity_link: str | None = None
    custom_data: str | None = None


def within_longest_wait(request: ApprovalRequest, now: datetime) -> ApprovalRequest:
    """The request with its expiry no later than CodePipeline could keep it waiting."""
    latest = now + MAX_APPROVAL_WAIT
    return replace(request, expires=latest) if request.expires > latest else request


def safe_url(value: Any) -> str | None:
    """An http(s) URL fit to put behind a link, or None (never javascript: or data:)."""
    if not isinstance(value, str) or not value or len(value) > MAX_LINK:
        return None
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    return value


def parse_expires(value: Any) -> datetime:
    """CodePipeline writes `2022-08-30T11:09Z`; seconds and offsets are accepted too."""
    if not isinstance(value, str):
        raise InvalidApprovalMessage("approval.expires is missing")
    for fmt in ("%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise InvalidApprovalMessage("approval.expires has no time zone")
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        if isinstance(error, InvalidApprovalMessage):
            raise
        raise InvalidApprovalMessage("approval.expires is not a timestamp") from None


def _name(approval: dict[str, Any], field: str) -> str:
    value = approval.get(field)
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise InvalidApprovalMessage(f"approval.{field} is missing or not a CodePipeline name")
    return value


def _optional_text(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidApprovalMessage(f"approval.{field} is not text")
    return value[:limit] or None


def _shown_text(value: Any, field: str, limit: int) -> str | None:
    """Free text shown to approvers: on one line, without bidi or invisible characters."""
    text = _optional_text(value, field, limit)
    return (one_line(text)[:limit] or None) if text else None


def classify(message: Any) -> str:
    """Name the kind of a non-approval message, for the log."""
    if not isinstance(message, dict):
        return "json-" + type(message).__name__
    if "detailType" in message:
        return "codestar-notification"
    if "detail-type" in message:
        return "eventbridge-event"
    return "json-without-approval"


def parse_approval_message(text: Any) -> ApprovalRequest:
    """Parse an SNS message body; raise NotAnApproval or InvalidApprovalMessage."""
    if not isinstance(text, str):
        raise NotAnApproval("not-text")
    try:
        message = json.loads(text)
    except ValueError:
        raise NotAnApproval("plain-text") from None
    if not isinstance(message, dict) or "approval" not in message:
        raise NotAnApproval(classify(message))
    approval = message["approval"]
    if not isinstance(approval, dict):
        raise InvalidApprovalMessage("approval is not an object")
    token = approval.get("token")
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise InvalidApprovalMessage("approval.token is missing or malformed")
    region = message.get("region")
    if not isinstance(region, str) or not REGION.fullmatch(region):
        raise InvalidApprovalMessage("region is missing or malformed")
    return ApprovalRequest(
        region=region,
        pipeline=_name(approval, "pipelineName"),
        stage=_name(approval, "stageName"),
        action=_name(approval, "actionName"),
        token=token,
        expires=parse_expires(approval.get("expires")),
        console_link=safe_url(message.get("consoleLink")),
        approval_review_link=safe_url(approval.get("approvalReviewLink")),
        external_entity_link=safe_url(approval.get("externalEntityLink")),
        custom_data=_shown_text(approval.get("customData"), "customData", MAX_CUSTOM_DATA),
    )
