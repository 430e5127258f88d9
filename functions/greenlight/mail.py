"""Approval mails: rendered per approver, built as MIME (text and HTML), sent with SES v2."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, make_msgid
from typing import Any

from greenlight.links import (
    ApprovalContext,
    ApprovalRef,
    Decision,
    LinkClaims,
    link_url,
    sign_link,
)
from greenlight.rendering import Templates
from greenlight.text import one_line  # headers: no CR, LF, control or bidi characters

log = logging.getLogger(__name__)
# SMTP's line endings with the compat32 machinery email.mime builds on.
CRLF = compat32.clone(linesep="\r\n")

MAX_SUBJECT = 200
# SES accounts start at 1 to 14 sends a second; a few at once stays within that with retries.
MAX_PARALLEL_SENDS = 4


@dataclass(frozen=True)
class ApprovalEmail:
    recipient: str
    subject: str
    text: str
    html: str


def approval_subject(ref: ApprovalRef, reminder: bool = False) -> str:
    prefix = "Reminder: approval needed" if reminder else "Approval needed"
    return one_line(f"{prefix}: {ref.pipeline} / {ref.action}", MAX_SUBJECT)


def compose_approval_email(
    ref: ApprovalRef,
    expires: datetime,
    context: ApprovalContext,
    approver: str,
    *,
    keys: list[str],
    api_url: str,
    templates: Templates,
    reminder: bool = False,
    self_requested: bool = False,
    note: str | None = None,
) -> ApprovalEmail:
    """One approver's mail with its two signed links, each valid until the request expires."""
    links = {}
    for decision in Decision:
        claims = LinkClaims(
            pipeline=ref.pipeline,
            stage=ref.stage,
            action=ref.action,
            token_digest=ref.token_digest,
            approver=approver,
            decision=decision,
            expires=expires,
            context=context,
        )
        links[decision.value] = link_url(api_url, sign_link(claims, keys))
    values = {
        "request": ref,
        "expires": expires,
        "context": context,
        "approver": approver,
        "approve_url": links["approve"],
        "reject_url": links["reject"],
        "reminder": reminder,
        "self_requested": self_requested,
        "note": note,  # greenlight.announce.approval_note: how many approvals it needs
    }
    return ApprovalEmail(
        recipient=approver,
        subject=approval_subject(ref, reminder),
        text=templates.render("email/approval.txt.j2", **values),
        html=templates.render("email/approval.html.j2", **values),
    )


def compose_notice(recipient: str, subject: str, template: str, templates: Templates,
                   **values: object) -> ApprovalEmail:
    """A mail without links: outcomes and escalations (`email/<template>.txt.j2|.html.j2`)."""
    return ApprovalEmail(
        recipient=recipient,
        subject=one_line(subject, MAX_SUBJECT),
        text=templates.render(f"email/{template}.txt.j2", recipient=recipient, **values),
        html=templates.render(f"email/{template}.html.j2", recipient=recipient, **values),
    )


def to_mime(email: ApprovalEmail, sender: str, now: datetime) -> bytes:
    # email.mime (compat32) builds the same multipart/alternative message as EmailMessage
    # with the SMTP policy at a third of the cost, which adds up with many approvers; the
    # SMTP policy's refusal of line breaks in headers is kept by hand.
    if any(ch in value for value in (sender, email.recipient, email.subject) for ch in "\r\n"):
        raise ValueError("a mail header may not contain a line break")
    message = MIMEMultipart("alternative")
    message["From"] = sender
    message["To"] = email.recipient
    message["Subject"] = (email.subject if email.subject.isascii()
                          else Header(email.subject, "utf-8").encode())
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(email.text, "plain", "utf-8"))
    message.attach(MIMEText(email.html, "html", "utf-8"))
    return message.as_bytes(policy=CRLF)


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


def send_all(sesv2: Any, sender: str, emails: Iterable[ApprovalEmail], now: datetime,
             before: Callable[[ApprovalEmail], bool] | None = None,
             after: Callable[[ApprovalEmail, bool], None] | None = None) -> int:
    """Send every mail, a few at a time; raise SendFailed if any failed after retries.

    `before` may veto a mail (False: already sent by an earlier delivery); `after` learns
    whether each attempted mail went out.
    """
    batch = list(emails)

    def deliver(email: ApprovalEmail) -> bool:
        if before is not None and not before(email):
            return False
        try:
            send_one(sesv2, sender, email, now)
        except Exception:
            if after is not None:
                after(email, False)
            raise
        if after is not None:
            after(email, True)
        return True

    failures = sent = 0
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL_SENDS, len(batch)))) as pool:
        for future in [pool.submit(deliver, email) for email in batch]:
            error = future.exception()
            if error is not None:
                failures += 1
                log.error("mail not sent", extra={"error_type": type(error).__name__})
            elif future.result():
                sent += 1
    if failures:
        raise SendFailed(f"{failures} of {len(batch)} mails were not sent")
    return sent
