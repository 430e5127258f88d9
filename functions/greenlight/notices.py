"""Mails without links: what became of a request (to approvers and followers), and
escalations when a request is about to expire with votes missing."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from greenlight.delivery import deliver_once
from greenlight.mail import SendFailed, compose_notice, send_all
from greenlight.rendering import Templates
from greenlight.store import OUTCOME_MAILS, RequestRecord, mark_once

log = logging.getLogger(__name__)

HEADLINES = {
    "approved": ("Approved", "The approval is complete and the run moves on."),
    "rejected": ("Rejected", "The run stopped at this approval."),
    "superseded": ("No longer needed",
                   "A newer run replaced this one, or it was stopped, before a decision. "
                   "Its links no longer decide anything."),
    "expired": ("Expired", "Nobody decided before the approval expired; CodePipeline "
                           "failed the run."),
}


def tell_outcome(record: RequestRecord, *, table: Any, sesv2: Any, sender: str,
                 templates: Templates, now: datetime) -> int:
    """Mail every approver and follower what happened, each once (claimed per recipient in
    `outcome_mails`). Raises SendFailed if some could not be sent: their claims are released,
    so the caller's retry (the stream's, or the next sweep) sends those and only those."""
    word, explanation = HEADLINES.get(record.status, ("Closed", "The approval is closed."))
    headline = f"{word}: {record.pipeline} / {record.action}"
    recipients = list(dict.fromkeys([*record.approvers, *record.notify]))
    mails = [compose_notice(r, headline, "outcome", templates, record=record,
                            headline=headline, explanation=explanation)
             for r in recipients]
    return deliver_once(table, record.request_id, mails, sesv2=sesv2, sender=sender, now=now,
                        box=OUTCOME_MAILS, told=True)


def report_unmeetable(record: RequestRecord, *, table: Any | None, sesv2: Any, sender: str,
                      templates: Templates, now: datetime) -> int:
    """Tell everyone on a request, once, that its rule cannot be met once the requesters are
    left out: it would otherwise wait, silently, until it expires."""
    if table is not None and not mark_once(table, record.request_id, "unmeetable_reported_at",
                                           now):
        return 0
    headline = f"Approval cannot be completed: {record.pipeline} / {record.action}"
    recipients = list(dict.fromkeys([*record.approvers, *record.notify]))
    mails = [compose_notice(r, headline, "unmeetable", templates, record=record,
                            headline=headline) for r in recipients]
    try:
        return send_all(sesv2, sender, mails, now)
    except SendFailed:
        # The approval mails went out; a missing notice must not have them sent again.
        log.error("unmeetable-rule notices not all sent")
        return 0


def escalate(record: RequestRecord, *, sesv2: Any, sender: str, templates: Templates,
             now: datetime, console_link: str | None = None) -> int:
    subject = f"Approval about to expire: {record.pipeline} / {record.action}"
    mails = [compose_notice(r, subject, "escalation", templates, record=record,
                            console_link=console_link) for r in record.escalate_to]
    return send_all(sesv2, sender, mails, now)
