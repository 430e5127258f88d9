"""The scheduled sweep over pending requests: close what CodePipeline no longer waits on,
finish decisions whose submission was interrupted, remind, and escalate before expiry."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from greenlight.announce import compose_for, note_for
from greenlight.links import ApprovalRef
from greenlight.mail import SendFailed, send_all
from greenlight.notices import escalate, tell_outcome
from greenlight.pipeline import NotPending, PendingApproval, find_pending
from greenlight.rendering import Templates
from greenlight.store import (
    DECIDING,
    PENDING,
    RequestRecord,
    mark_once,
    pending_requests,
    reopen_request,
    untold_requests,
)
from greenlight.voting import close_for, counted, decide_request, quorum_met

if TYPE_CHECKING:
    from greenlight.slack_sync import SlackAccess

log = logging.getLogger(__name__)
# A request left `deciding` this long after its last vote lost its submission half-way.
STUCK_DECISION = timedelta(minutes=5)


@dataclass
class Sweep:
    """What one sweep did, counted by outcome."""

    checked: int = 0
    closed: int = 0
    decided: int = 0
    reminded: int = 0
    escalated: int = 0
    failed: int = 0
    unconfirmed: int = 0  # CodePipeline's answer was unknown: left open, nothing sent
    forged: int = 0  # votes in the table that do not verify, ignored
    told: int = 0  # closed requests whose outcome mails the stream had not all sent
    slack_failed: int = 0  # Slack calls that failed: the next sweep tries them again
    altered: int = 0  # records that no longer match notify's seal: left alone


def console_link(region: str, pipeline: str) -> str:
    return (f"https://{region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/"
            f"{quote(pipeline)}/view?region={region}")


def sweep(*, table: Any, codepipeline: Any, sesv2: Any, sender: str, keys: list[str],
          vote_keys: list[str], api_url: str, templates: Templates, now: datetime,
          slack: SlackAccess | None = None) -> Sweep:
    """Follow every pending request once; one request's failure does not stop the rest.
    Only votes that verify under `vote_keys` count towards a decision. With `slack`, each
    request's channel message is brought up to date (or posted, if that failed before)."""
    result = Sweep()

    def show(record: RequestRecord) -> None:
        if slack is None:
            return
        from greenlight.slack_sync import refresh_slack_message

        if refresh_slack_message(record, slack=slack, table=table, vote_keys=vote_keys,
                                 now=now) is not None:
            result.slack_failed += 1

    def tell(record: RequestRecord) -> None:
        tell_outcome(record, table=table, sesv2=sesv2, sender=sender, templates=templates,
                     now=now)
        show(record)

    for record in pending_requests(table):
        result.checked += 1
        if not record.is_sealed(keys):
            # Its approvers, requesters or quorum were rewritten in the table: nothing about
            # it is trusted, so it is neither decided, closed, reminded nor shown.
            result.altered += 1
            log.error("request seal does not hold", extra={"request_id": record.request_id})
            continue
        try:
            follow(record, result, table=table, codepipeline=codepipeline, sesv2=sesv2,
                   sender=sender, keys=keys, vote_keys=vote_keys, api_url=api_url,
                   templates=templates, now=now, tell=tell)
            show(record)
        except (ClientError, BotoCoreError, SendFailed) as error:
            result.failed += 1
            log.error("request follow-up failed", extra={"error_type": type(error).__name__})
    # The backstop of the outcome mails (greenlight.tell sends them from the table's
    # stream): a closed request whose mails are not all sent, because that function failed
    # every retry or the request closed before it existed. The claims keep them once-only.
    for record in untold_requests(table):
        try:
            if tell_outcome(counted(record, vote_keys), table=table, sesv2=sesv2,
                            sender=sender, templates=templates, now=now):
                result.told += 1
        except (ClientError, BotoCoreError, SendFailed) as error:
            result.failed += 1
            log.error("outcome mails not all sent", extra={"error_type": type(error).__name__})
    return result


def follow(record: RequestRecord, result: Sweep, *, table: Any, codepipeline: Any,
           sesv2: Any, sender: str, keys: list[str], vote_keys: list[str], api_url: str,
           templates: Templates, now: datetime, tell: Any) -> None:
    record = counted(record, vote_keys)
    result.forged += len(record.forged)
    ref = ApprovalRef(record.pipeline, record.stage, record.action, record.request_id)
    try:
        pending = find_pending(codepipeline, ref, record.context.execution_id)
    except NotPending as error:
        if error.outcome.reason == "unknown":
            result.unconfirmed += 1  # close_for leaves it open; so does the sweep
            return
        close_for(table, record, error, now, tell, vote_keys)
        result.closed += 1
        return

    if _decision_owed(record, now):
        _complete(record, ref, pending, table, codepipeline, now, tell, result, vote_keys)
        return
    if record.status == DECIDING and _stuck(record, now) and not quorum_met(record):
        # Moved to `deciding` without genuine votes to decide on (written into the table by
        # someone else): back to pending, so approvers can vote.
        reopen_request(table, record.request_id)
        return
    if record.status != PENDING:
        return

    every = record.remind_every_minutes
    if every:
        last = record.last_reminded_at or record.sent_at
        waiting = record.waiting_on()  # the requesters are not waited on
        if (waiting and now - last >= timedelta(minutes=every)
                and mark_once(table, record.request_id, "last_reminded_at", now,
                              not_since=now - timedelta(minutes=every))):
            mails = compose_for(ref, record.expires_at, record.context,
                                record.requesters, waiting, keys=keys,
                                api_url=api_url, templates=templates, reminder=True,
                                note=note_for(record), needed=record.approvals_needed,
                                asked=record.approvers)
            result.reminded += send_all(sesv2, sender, mails, now)

    before = record.escalate_before_minutes
    if (record.escalate_to and before and record.expires_at - now <= timedelta(minutes=before)
            and mark_once(table, record.request_id, "escalated_at", now)):
        result.escalated += escalate(record, sesv2=sesv2, sender=sender, templates=templates,
                                     now=now,
                                     console_link=console_link(record.context.region,
                                                               record.pipeline))


def _stuck(record: RequestRecord, now: datetime) -> bool:
    last_vote = max((v.at for v in record.votes.values()), default=record.sent_at)
    return now - last_vote >= STUCK_DECISION


def _decision_owed(record: RequestRecord, now: datetime) -> bool:
    """Whether the record's votes (genuine ones only) make a decision nobody submitted."""
    if not quorum_met(record):
        return False
    if record.status == PENDING:
        return True
    return record.status == DECIDING and _stuck(record, now)


def _complete(record: RequestRecord, ref: ApprovalRef, pending: PendingApproval, table: Any,
              codepipeline: Any, now: datetime, tell: Any, result: Sweep,
              vote_keys: list[str]) -> None:
    try:
        made = decide_request(record, ref, codepipeline, table, now, tell,
                              begin=record.status == PENDING, pending=pending,
                              vote_keys=vote_keys)
    except NotPending:
        result.closed += 1
        return
    result.decided += made.decided
