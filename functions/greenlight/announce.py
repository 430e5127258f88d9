"""Turn one SNS message into approval mails: parse, look up the run, sign, render, send."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from greenlight.approval import (
    InvalidApprovalMessage,
    NotAnApproval,
    parse_approval_message,
)
from greenlight.mail import compose_approval_email, send_all
from greenlight.pipeline import describe_run
from greenlight.rendering import Templates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Announcement:
    """What became of one message: `sent`, `not-an-approval`, `invalid` or `expired`."""

    outcome: str
    mails: int = 0
    detail: str = ""


def announce(
    message: Any,
    *,
    approvers: tuple[str, ...],
    sender: str,
    keys: list[str],
    api_url: str,
    codepipeline: Any,
    sesv2: Any,
    templates: Templates,
    now: datetime,
) -> Announcement:
    """Mail every approver a signed Approve and Reject link for the request in `message`.

    Messages that are not approval requests, or that are malformed or already expired, are
    skipped: retrying them could never succeed. A failed send raises, so the event is retried.
    """
    try:
        request = parse_approval_message(message)
    except NotAnApproval as skipped:
        return Announcement("not-an-approval", detail=skipped.kind)
    except InvalidApprovalMessage as invalid:
        return Announcement("invalid", detail=str(invalid))
    where = f"{request.pipeline}/{request.stage}/{request.action}"
    if request.expires <= now:
        return Announcement("expired", detail=where)

    context = describe_run(codepipeline, request)
    emails = [
        compose_approval_email(
            request, context, approver, keys=keys, api_url=api_url, templates=templates
        )
        for approver in approvers
    ]
    sent = send_all(sesv2, sender, emails, now)
    return Announcement("sent", mails=sent, detail=where)
