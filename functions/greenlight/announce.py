"""Turn one SNS message into approval mails: parse, apply the policy, look up the run,
record the request, sign, render and send each approver's mail once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from greenlight.approval import (
    ApprovalRequest,
    InvalidApprovalMessage,
    NotAnApproval,
    parse_approval_message,
)
from greenlight.links import ApprovalContext, ApprovalRef, token_digest
from greenlight.mail import ApprovalEmail, compose_approval_email, send_all
from greenlight.pipeline import describe_run
from greenlight.policy import Policy
from greenlight.rendering import Templates
from greenlight.store import PENDING, claim_mail, open_request, settle_mail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Announcement:
    """What became of one message: `sent`, `not-an-approval`, `invalid`, `expired` or
    `closed` (a redelivery for a request that was already decided)."""

    outcome: str
    mails: int = 0
    detail: str = ""


def ref_of(request: ApprovalRequest) -> ApprovalRef:
    return ApprovalRef(request.pipeline, request.stage, request.action,
                       token_digest(request.token))


def compose_for(ref: ApprovalRef, expires: datetime, context: ApprovalContext,
                requester_approver: str | None, recipients: tuple[str, ...],
                *, keys: list[str], api_url: str, templates: Templates,
                reminder: bool = False) -> list[ApprovalEmail]:
    return [
        compose_approval_email(ref, expires, context, approver, keys=keys, api_url=api_url,
                               templates=templates, reminder=reminder,
                               self_requested=approver == requester_approver)
        for approver in recipients
    ]


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
    policy: Policy | None = None,
    table: Any | None = None,
) -> Announcement:
    """Mail every approver the policy names a signed Approve and Reject link.

    Messages that are not approval requests, or that are malformed or already expired, are
    skipped: retrying them could never succeed. With a table, the request is recorded first
    and each mail is claimed before it is sent, so a redelivered message mails nobody twice.
    A failed send raises, so the event is retried and finally dead-lettered.
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

    rule = (policy or Policy()).rule_for(request.pipeline, request.stage, request.action,
                                          approvers)
    context = describe_run(codepipeline, request)
    requester_approver = (policy or Policy()).approver_for(context.requester, rule.approvers)
    ref = ref_of(request)
    before = after = None
    if table is not None:
        record = open_request(
            table, request_id=ref.token_digest, pipeline=ref.pipeline, stage=ref.stage,
            action=ref.action, expires_at=request.expires, context=context,
            rule=rule.as_record(), requester=context.requester,
            requester_approver=requester_approver, now=now)
        if record.status != PENDING:
            return Announcement("closed", detail=where)
        context = record.context  # a redelivery shows what the first delivery showed

        def before(email: ApprovalEmail) -> bool:
            return claim_mail(table, ref.token_digest, email.recipient, now)

        def after(email: ApprovalEmail, sent: bool) -> None:
            settle_mail(table, ref.token_digest, email.recipient, sent, now)

    emails = compose_for(ref, request.expires, context, requester_approver, rule.approvers,
                         keys=keys, api_url=api_url, templates=templates)
    sent = send_all(sesv2, sender, emails, now, before, after)
    return Announcement("sent", mails=sent, detail=where)
