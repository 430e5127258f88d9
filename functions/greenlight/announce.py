"""Turn one SNS message into approval mails: parse, apply the policy, look up the run,
record the request, sign, render and send each approver's mail once."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from greenlight.approval import (
    ApprovalRequest,
    InvalidApprovalMessage,
    NotAnApproval,
    parse_approval_message,
    within_longest_wait,
)
from greenlight.delivery import deliver_once
from greenlight.identity import find_requester
from greenlight.links import ApprovalContext, ApprovalRef, token_digest
from greenlight.mail import ApprovalEmail, compose_approval_email, send_all
from greenlight.notices import report_unmeetable
from greenlight.pipeline import NotLive, confirm_live, look_up_run
from greenlight.policy import Policy, approvals_needed
from greenlight.rendering import Templates
from greenlight.store import PENDING, RequestRecord, open_request

if TYPE_CHECKING:
    from greenlight.slack_sync import SlackAccess

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Announcement:
    """What became of one message: `sent`, `not-an-approval`, `invalid`, `expired`,
    `not-live` (CodePipeline does not wait on its token) or `closed` (a redelivery for a
    request that was already decided)."""

    outcome: str
    mails: int = 0
    detail: str = ""
    unmeetable: bool = False  # the rule cannot be met once the requester is left out
    slack_failed: str | None = None  # Slack's error code, when the channel message failed


def ref_of(request: ApprovalRequest) -> ApprovalRef:
    return ApprovalRef(request.pipeline, request.stage, request.action,
                       token_digest(request.token))


def approval_note(min_approvals: int, needed: int, eligible: int) -> str | None:
    """What an approver must know about the count: one more approval for an unknown
    requester (separation "required"), or that the approval cannot be completed."""
    notes = []
    if needed > min_approvals:
        notes.append(f"Greenlight cannot tell who asked for this run, so it needs {needed} "
                     f"approvals from different approvers, one more than the rule's "
                     f"{min_approvals}.")
    if eligible < needed:
        notes.append(f"This approval cannot be completed: it needs {needed} approvals, but "
                     f"only {eligible} of its approvers may approve it. It can still be "
                     "rejected.")
    return " ".join(notes) or None


def note_for(record: RequestRecord) -> str | None:
    return approval_note(record.min_approvals, record.approvals_needed, len(record.eligible))


def compose_for(ref: ApprovalRef, expires: datetime, context: ApprovalContext,
                requesters: Collection[str] | None, recipients: tuple[str, ...],
                *, keys: list[str], api_url: str, templates: Templates,
                reminder: bool = False, note: str | None = None, needed: int = 1,
                asked: tuple[str, ...] = ()) -> list[ApprovalEmail]:
    """Each recipient's approval mail; `requesters` are told their approval will not count.
    The mail says how many approvals of the `asked` approvers are `needed`."""
    mine = set(requesters or ())
    return [
        compose_approval_email(ref, expires, context, approver, keys=keys, api_url=api_url,
                               templates=templates, reminder=reminder,
                               self_requested=approver in mine, note=note, needed=needed,
                               asked=asked or recipients)
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
    slack: SlackAccess | None = None,
) -> Announcement:
    """Mail every approver the policy names a signed Approve and Reject link.

    Messages that are not approval requests, or that are malformed or already expired, are
    skipped: retrying them could never succeed. So is a message whose token CodePipeline
    does not wait on (anyone who may publish to the topic can send one); when CodePipeline
    cannot be asked, this raises, and the message is retried. With a table, the request is
    recorded first and each mail is claimed before it is sent, so a redelivered message
    mails nobody twice.
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
    try:
        live = confirm_live(codepipeline, request)
    except NotLive as not_live:
        log.warning("approval not live", extra={"where": where, "reason": not_live.reason})
        return Announcement("not-live", detail=f"{where}: {not_live.reason}")
    request = within_longest_wait(request, now)

    policy = policy or Policy()
    rule = policy.rule_for(request.pipeline, request.stage, request.action, approvers)
    context, origin = look_up_run(codepipeline, request, live.execution_id)
    requester = find_requester(origin, request.custom_data, policy.identities)
    requesters = requester.approvers_among(rule.approvers)
    context = replace(context, requester=requester.shown, requesters=",".join(requesters),
                      console_link=request.console_link)
    ref = ref_of(request)
    record = RequestRecord(
        request_id=ref.token_digest, pipeline=ref.pipeline, stage=ref.stage,
        action=ref.action, status=PENDING, approvers=rule.approvers,
        min_approvals=rule.min_approvals, expires_at=request.expires, sent_at=now,
        context=context, notify=rule.notify, rule=rule.name, requester=requester.shown,
        requesters=requesters, requester_known=requester.known,
        requester_conflict=requester.conflict, separation=rule.separation,
        extra_approvals=approvals_needed(rule.min_approvals, rule.separation,
                                         requester.known) - rule.min_approvals)
    if table is not None:
        record = open_request(
            table, request_id=ref.token_digest, pipeline=ref.pipeline, stage=ref.stage,
            action=ref.action, expires_at=request.expires, context=context,
            rule=rule.as_record(), requester=record.requester, requesters=record.requesters,
            requester_known=record.requester_known,
            requester_conflict=record.requester_conflict,
            approvals_needed=record.approvals_needed, now=now, seal_keys=keys)
        if record.status != PENDING:
            return Announcement("closed", detail=where)
        # A redelivery shows, and mails, what the first delivery recorded: its approvers and
        # requesters, whatever the policy says now.
        context = record.context

    emails = compose_for(ref, request.expires, context, record.requesters, record.approvers,
                         keys=keys, api_url=api_url, templates=templates,
                         note=note_for(record), needed=record.approvals_needed,
                         asked=record.approvers)
    # With a table, each mail is claimed first (all in one write), so a redelivery mails
    # nobody twice.
    sent = (deliver_once(table, ref.token_digest, emails, sesv2=sesv2, sender=sender, now=now)
            if table is not None else send_all(sesv2, sender, emails, now))
    if not record.meetable:
        log.warning("approval rule cannot be met", extra={
            "where": where, "approvals_needed": record.approvals_needed,
            "eligible": len(record.eligible)})
        report_unmeetable(record, table=table, sesv2=sesv2, sender=sender,
                          templates=templates, now=now)
    slack_failed = (post_to_slack(record, slack=slack, table=table, now=now)
                    if slack is not None and table is not None else None)
    return Announcement("sent", mails=sent, detail=where, unmeetable=not record.meetable,
                        slack_failed=slack_failed)


def post_to_slack(record: RequestRecord, *, slack: SlackAccess, table: Any,
                  now: datetime) -> str | None:
    """The request's message in its rule's channel, after the mails: a failure here is
    logged and left for the sweep to post again, and never fails the mails."""
    from greenlight.slack_sync import post_request

    try:
        failure = post_request(record, slack=slack, table=table, now=now)
    except (ClientError, BotoCoreError) as error:  # the claim could not be written
        log.warning("slack post failed", extra={"error": type(error).__name__})
        return type(error).__name__
    return failure.error if failure is not None else None
