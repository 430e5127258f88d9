"""The scheduled sweep over pending requests: close what CodePipeline no longer waits on,
finish decisions whose submission was interrupted, remind, and escalate before expiry."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
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
)
from greenlight.voting import close_for, counted, decide_request, quorum_met

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
    unconfirmed: int = 0  # CodePipeline's answer was unknown: left open, nothing sent
    forged: int = 0  # votes in the table that do not verify, ignored


def console_link(region: str, pipeline: str) -> str:
    return (f"https://{region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/"
            f"{quote(pipeline)}/view?region={region}")


def sweep(*, table: Any, codepipeline: Any, sesv2: Any, sender: str, keys: list[str],
          vote_keys: list[str], api_url: str, templates: Templates, now: datetime) -> Sweep:
    """Follow every pending request once; one request's failure does not stop the rest.
    Only votes that verify under `vote_keys` count towards a decision."""
    result = Sweep()

    def tell(record: RequestRecord) -> None:
        tell_outcome(record, table=table, sesv2=sesv2, sender=sender, templates=templates,
                     now=now)

    for record in pending_requests(table):
        result.checked += 1
        try:
            follow(record, result, table=table, codepipeline=codepipeline, sesv2=sesv2,
                   sender=sender, keys=keys, vote_keys=vote_keys, api_url=api_url,
                   templates=templates, now=now, tell=tell)
        except (ClientError, BotoCoreError, SendFailed) as error:
            result.failed += 1
            log.error("request follow-up failed", extra={"error_type": type(error).__name__})
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
                                note=note_for(record))
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
