"""The scheduled sweep over pending requests: close what CodePipeline no longer waits on,
finish decisions whose submission was interrupted, remind, and escalate before expiry."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from greenlight.announce import compose_for
from greenlight.links import ApprovalRef
from greenlight.mail import SendFailed, send_all
from greenlight.notices import escalate, tell_outcome
from greenlight.pipeline import NotPending, PendingApproval, find_pending
from greenlight.rendering import Templates
from greenlight.store import DECIDING, PENDING, RequestRecord, mark_once, pending_requests
from greenlight.voting import close_for, decide_request, quorum_met

log = logging.getLogger(__name__)
# A request left `deciding` this long after its last vote lost its submission half-way.
STUCK_DECISION = timedelta(minutes=5)


@dataclass
class Sweep:
    checked: int = 0
    closed: int = 0
    decided: int = 0
    reminded: int = 0
    escalated: int = 0
    failed: int = 0


def console_link(region: str, pipeline: str) -> str:
    return (f"https://{region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/"
            f"{quote(pipeline)}/view?region={region}")


def sweep(*, table: Any, codepipeline: Any, sesv2: Any, sender: str, keys: list[str],
          api_url: str, templates: Templates, now: datetime) -> Sweep:
    """Follow every pending request once; one request's failure does not stop the rest."""
    result = Sweep()

    def tell(record: RequestRecord) -> None:
        tell_outcome(record, table=table, sesv2=sesv2, sender=sender, templates=templates,
                     now=now)

    for record in pending_requests(table):
        result.checked += 1
        try:
            follow(record, result, table=table, codepipeline=codepipeline, sesv2=sesv2,
                   sender=sender, keys=keys, api_url=api_url, templates=templates, now=now,
                   tell=tell)
        except (ClientError, BotoCoreError, SendFailed) as error:
            result.failed += 1
            log.error("request follow-up failed", extra={"error_type": type(error).__name__})
    return result


def follow(record: RequestRecord, result: Sweep, *, table: Any, codepipeline: Any,
           sesv2: Any, sender: str, keys: list[str], api_url: str, templates: Templates,
           now: datetime, tell: Any) -> None:
    ref = ApprovalRef(record.pipeline, record.stage, record.action, record.request_id)
    try:
        pending = find_pending(codepipeline, ref)
    except NotPending as error:
        close_for(table, record, error, now, tell)
        result.closed += 1
        return

    if _decision_owed(record, now):
        _complete(record, ref, pending, table, codepipeline, now, tell, result)
        return
    if record.status != PENDING:
        return

    every = record.remind_every_minutes
    if every:
        last = record.last_reminded_at or record.sent_at
        waiting = tuple(a for a in record.waiting_on() if a != record.requester_approver)
        if (waiting and now - last >= timedelta(minutes=every)
                and mark_once(table, record.request_id, "last_reminded_at", now,
                              not_since=now - timedelta(minutes=every))):
            mails = compose_for(ref, record.expires_at, record.context,
                                record.requester_approver, waiting, keys=keys,
                                api_url=api_url, templates=templates, reminder=True)
            result.reminded += send_all(sesv2, sender, mails, now)

    before = record.escalate_before_minutes
    if (record.escalate_to and before and record.expires_at - now <= timedelta(minutes=before)
            and mark_once(table, record.request_id, "escalated_at", now)):
        result.escalated += escalate(record, sesv2=sesv2, sender=sender, templates=templates,
                                     now=now,
                                     console_link=console_link(record.context.region,
                                                               record.pipeline))


def _decision_owed(record: RequestRecord, now: datetime) -> bool:
    if not quorum_met(record):
        return False
    if record.status == PENDING:
        return True
    last_vote = max((v.at for v in record.votes.values()), default=record.sent_at)
    return record.status == DECIDING and now - last_vote >= STUCK_DECISION


def _complete(record: RequestRecord, ref: ApprovalRef, pending: PendingApproval, table: Any,
              codepipeline: Any, now: datetime, tell: Any, result: Sweep) -> None:
    try:
        made = decide_request(record, ref, codepipeline, table, now, tell,
                              begin=record.status == PENDING, pending=pending)
    except NotPending:
        result.closed += 1
        return
    result.decided += made.decided
