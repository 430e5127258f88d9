"""Approval mails: rendered per approver, built as MIME (text and HTML), sent with SES v2."""

from __future__ import annotations

import base64
import functools
import logging
import secrets
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from greenlight.aws import send_through  # noqa: F401  (where the handlers took it from)
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
from greenlight.wording import needed_line

log = logging.getLogger(__name__)
# SMTP's line endings with the compat32 machinery email.mime builds on.
CRLF = compat32.clone(linesep="\r\n")

MAX_SUBJECT = 200
# Sends in flight at once, at most; the account's send rate (GetAccount) paces them below it.
MAX_PARALLEL_SENDS = 16
# When SES cannot say the account's rate (GetAccount denied or failing): the sandbox's rate.
FALLBACK_SEND_RATE = 1.0
# Per client, so per container; a client that goes away takes its entry with it.
_send_rates: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def max_send_rate(sesv2: Any) -> float:
    """The account's SES send rate (mails a second), read once per client, so per container."""
    known = _send_rates.get(sesv2)
    if known is not None:
        return known
    try:
        quota = sesv2.get_account().get("SendQuota") or {}
        rate = max(FALLBACK_SEND_RATE, float(quota.get("MaxSendRate") or FALLBACK_SEND_RATE))
    except Exception as error:  # the mails still go out, at the slowest rate SES allows
        log.warning("send rate unknown", extra={"error_type": type(error).__name__})
        rate = FALLBACK_SEND_RATE
    _send_rates[sesv2] = rate
    return rate


class SendPace:
    """At most `rate` sends start in any one second (a sliding window), however many threads
    send: each waits for the slot the oldest send of the window frees."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_second = max(1, int(rate))
        self.clock, self.sleep = clock, sleep
        self.started: deque[float] = deque()
        self.lock = threading.Lock()

    def wait(self) -> None:
        while True:
            with self.lock:
                now = self.clock()
                while self.started and now - self.started[0] >= 1.0:
                    self.started.popleft()
                if len(self.started) < self.per_second:
                    self.started.append(now)
                    return
                wait = 1.0 - (now - self.started[0])
            self.sleep(max(wait, 0.001))


@dataclass(frozen=True)
class ApprovalEmail:
    """One approver's mail, as composed: the address, the subject and both parts."""

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
    needed: int = 1,
    asked: tuple[str, ...] = (),
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
        "needed_line": needed_line(needed, asked or (approver,), approver),
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


def _text_part(text: str, subtype: str) -> MIMENonMultipart:
    """The part MIMEText(text, subtype, "utf-8") makes, byte for byte, base64-encoded by
    base64.encodebytes rather than email's slower line-by-line encoder: a mail to many
    approvers names them all, so its parts grow with their number."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(text.encode()).decode("ascii"))
    return part


def _boundary() -> str:
    # Given, the generator need not compile a pattern per message to look for it in the
    # parts: they are base64, whose lines never hold the "--" a boundary line starts with.
    return f"{'=' * 15}{secrets.token_hex(10)}=="


def to_mime(email: ApprovalEmail, sender: str, now: datetime) -> bytes:
    # email.mime (compat32) builds the same multipart/alternative message as EmailMessage
    # with the SMTP policy at a third of the cost, which adds up with many approvers; the
    # SMTP policy's refusal of line breaks in headers is kept by hand.
    if any(ch in value for value in (sender, email.recipient, email.subject) for ch in "\r\n"):
        raise ValueError("a mail header may not contain a line break")
    message = MIMEMultipart("alternative", boundary=_boundary())
    message["From"] = sender
    message["To"] = email.recipient
    message["Subject"] = (email.subject if email.subject.isascii()
                          else Header(email.subject, "utf-8").encode())
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.attach(_text_part(email.text, "plain"))
    message.attach(_text_part(email.html, "html"))
    return message.as_bytes(policy=CRLF)


def send_one(sesv2: Any, sender: str, email: ApprovalEmail, now: datetime) -> str:
    """SendEmail with raw MIME; throttling is retried by the client's standard retry mode.
    `sender` is the From mailbox, with or without a display name; SES takes either form."""
    response = sesv2.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": [email.recipient]},
        Content={"Raw": {"Data": to_mime(email, sender, now)}},
    )
    return str(response.get("MessageId", ""))


class SendFailed(RuntimeError):
    """At least one mail could not be sent; raised so the event is retried, then dead-lettered."""


@functools.cache
def _send_threads() -> ThreadPoolExecutor:
    """The sending threads, started once per container: a warm invocation finds them idle
    instead of starting each again while the first ones hold the interpreter."""
    return ThreadPoolExecutor(max_workers=MAX_PARALLEL_SENDS,
                              thread_name_prefix="greenlight-send")


def send_each(sesv2: Any, sender: str, emails: Iterable[ApprovalEmail],
              now: datetime) -> tuple[list[ApprovalEmail], list[ApprovalEmail]]:
    """Send every mail, in parallel within the account's send rate: (sent, failed)."""
    batch = list(emails)
    if not batch:
        return [], []
    rate = max_send_rate(sesv2)
    pace = SendPace(rate)
    errors: list[Exception | None] = [None] * len(batch)
    waiting = iter(range(len(batch)))
    take = threading.Lock()

    def send_waiting() -> None:
        # Each sender takes the next mail nobody took: at most `senders` mails in flight.
        while True:
            with take:
                index = next(waiting, None)
            if index is None:
                return
            pace.wait()
            try:
                send_one(sesv2, sender, batch[index], now)
            except Exception as error:
                errors[index] = error

    senders = max(1, min(MAX_PARALLEL_SENDS, int(rate), len(batch)))
    for future in [_send_threads().submit(send_waiting) for _ in range(senders)]:
        future.result()
    sent, failed = [], []
    for email, error in zip(batch, errors, strict=True):
        if error is None:
            sent.append(email)
        else:
            failed.append(email)
            log.error("mail not sent", extra={"error_type": type(error).__name__})
    return sent, failed


def send_all(sesv2: Any, sender: str, emails: Iterable[ApprovalEmail], now: datetime) -> int:
    """Send every mail; raise SendFailed if any failed after retries."""
    batch = list(emails)
    sent, failed = send_each(sesv2, sender, batch, now)
    if failed:
        raise SendFailed(f"{len(failed)} of {len(batch)} mails were not sent")
    return len(sent)
