"""Approval mails: rendered per approver, built as MIME (text and HTML), sent with SES v2."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from greenlight.approval import ApprovalRequest
from greenlight.links import (
    ApprovalContext,
    Decision,
    LinkClaims,
    link_url,
    sign_link,
    token_digest,
)
from greenlight.rendering import Templates

log = logging.getLogger(__name__)

MAX_SUBJECT = 200
# SES accounts start at 1 to 14 sends a second; a few at once stays within that with retries.
MAX_PARALLEL_SENDS = 4


@dataclass(frozen=True)
class ApprovalEmail:
    recipient: str
    subject: str
    text: str
    html: str


def one_line(value: str, limit: int) -> str:
    """Text fit for a header: no CR, LF or other control characters."""
    flat = "".join(" " if ord(ch) < 0x20 or ord(ch) == 0x7F else ch for ch in value)
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def approval_subject(request: ApprovalRequest) -> str:
    return one_line(f"Approval needed: {request.pipeline} / {request.action}", MAX_SUBJECT)


def compose_approval_email(
    request: ApprovalRequest,
    context: ApprovalContext,
    approver: str,
    *,
    keys: list[str],
    api_url: str,
    templates: Templates,
) -> ApprovalEmail:
    """One approver's mail with its two signed links, each valid until the request expires."""
    links = {}
    for decision in Decision:
        claims = LinkClaims(
            pipeline=request.pipeline,
            stage=request.stage,
            action=request.action,
            token_digest=token_digest(request.token),
            approver=approver,
            decision=decision,
            expires=request.expires,
            context=context,
        )
        links[decision.value] = link_url(api_url, sign_link(claims, keys))
    values = {
        "request": request,
        "context": context,
        "approver": approver,
        "approve_url": links["approve"],
        "reject_url": links["reject"],
    }
    return ApprovalEmail(
        recipient=approver,
        subject=approval_subject(request),
        text=templates.render("email/approval.txt.j2", **values),
        html=templates.render("email/approval.html.j2", **values),
    )


def to_mime(email: ApprovalEmail, sender: str, now: datetime) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


def send_one(sesv2: Any, sender: str, email: ApprovalEmail, now: datetime) -> str:
    """SendEmail with raw MIME; throttling is retried by the client's standard retry mode."""
    response = sesv2.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": [email.recipient]},
        Content={"Raw": {"Data": to_mime(email, sender, now)}},
    )
    return str(response.get("MessageId", ""))


class SendFailed(RuntimeError):
    """At least one mail could not be sent; raised so the event is retried, then dead-lettered."""


def send_all(sesv2: Any, sender: str, emails: Iterable[ApprovalEmail], now: datetime) -> int:
    """Send every mail, a few at a time; raise SendFailed if any failed after retries."""
    batch = list(emails)
    failures = 0
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_SENDS, len(batch)))) as pool:
        futures = [pool.submit(send_one, sesv2, sender, email, now) for email in batch]
        for future in futures:
            error = future.exception()
            if error is not None:
                failures += 1
                log.error("approval mail not sent", extra={"error_type": type(error).__name__})
    if failures:
        raise SendFailed(f"{failures} of {len(batch)} approval mails were not sent")
    return len(batch)
