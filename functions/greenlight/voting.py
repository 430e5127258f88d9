"""Votes and decisions: a link's approver votes; the vote that completes the policy submits
the decision to CodePipeline, exactly once.

Without a table (APPROVALS_TABLE unset) there is no vote to keep: one approval decides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from greenlight.links import ApprovalRef, Decision, LinkClaims
from greenlight.pipeline import (
    NotPending,
    PendingApproval,
    decision_summary,
    find_pending,
    submit_decision,
)
from greenlight.review import check_comment
from greenlight.store import (
    CLOSED,
    PENDING,
    AlreadyVoted,
    RequestClosed,
    RequestRecord,
    SelfApproval,
    Vote,
    begin_decision,
    cast_vote,
    close_request,
    get_request,
    reopen_request,
)

log = logging.getLogger(__name__)
Tell = Callable[[RequestRecord], None]
STATUS_BY_OUTCOME = {"approved": "approved", "rejected": "rejected", "expired": "expired"}


class UnknownRequest(Exception):
    """The link is genuine but no request record exists for it."""


@dataclass(frozen=True)
class VoteResult:
    record: RequestRecord | None
    decided: bool
    summary: str | None = None


def quorum_met(record: RequestRecord) -> bool:
    return record.rejection is not None or len(record.approvals) >= record.min_approvals


def summary_for(record: RequestRecord) -> tuple[Decision, str]:
    """The decision a record's votes make, and the summary that names who made it."""
    if record.rejection is not None:
        vote = record.rejection
        return Decision.REJECT, decision_summary(Decision.REJECT, [vote.approver], vote.comment)
    approvals = record.approvals
    if len(approvals) == 1:
        comment = approvals[0].comment
    else:
        comment = "; ".join(f"{v.approver}: {v.comment.strip()}" for v in approvals
                            if v.comment.strip())
    return Decision.APPROVE, decision_summary(
        Decision.APPROVE, [v.approver for v in approvals], comment)


def submit(codepipeline: Any, ref: Any, decision: Decision, pending: Any,
           summary: str) -> None:
    """PutApprovalResult, where "already completed" with our own summary counts as done: the
    first attempt went through but its answer was lost, and botocore's retry found it done."""
    try:
        submit_decision(codepipeline, ref, decision, pending, summary)
    except NotPending as error:
        if error.outcome.reason != "finished":
            raise
        try:
            find_pending(codepipeline, ref)
        except NotPending as now:
            if now.outcome.summary == summary:
                return
            raise now from None
        raise


def close_for(table: Any, record: RequestRecord | None, error: NotPending, now: datetime,
              tell: Tell) -> RequestRecord | None:
    """CodePipeline has moved on: close the record to match, and tell everyone once."""
    if table is None or record is None:
        return record
    status = STATUS_BY_OUTCOME.get(error.outcome.reason, "superseded")
    closed = close_request(table, record.request_id, status, now,
                           summary=error.outcome.summary, reason=error.outcome.reason)
    if closed is not None:
        tell(closed)
        return closed
    return get_request(table, record.request_id)


def open_request_for(claims: LinkClaims, table: Any | None) -> RequestRecord | None:
    """The request a link belongs to; raise if it is closed, voted on, or refused."""
    if table is None:
        return None
    record = get_request(table, claims.token_digest)
    if record is None:
        raise UnknownRequest
    if record.status in CLOSED:
        raise RequestClosed(record)
    if claims.approver in record.votes:
        raise AlreadyVoted(record)
    if claims.decision is Decision.APPROVE and claims.approver == record.requester_approver:
        raise SelfApproval(record)
    return record


def review(claims: LinkClaims, *, codepipeline: Any, table: Any | None, now: datetime,
           tell: Tell) -> RequestRecord | None:
    """A GET: may this link's approver still vote? Reads only; never votes or decides."""
    record = open_request_for(claims, table)
    try:
        find_pending(codepipeline, claims.ref)
    except NotPending as error:
        close_for(table, record, error, now, tell)
        raise
    return record


def vote(claims: LinkClaims, comment: str, *, codepipeline: Any, table: Any | None,
         now: datetime, tell: Tell, source_ip: str | None = None,
         user_agent: str | None = None) -> VoteResult:
    """A POST: record the vote and, if it completes the policy, submit the decision."""
    try:
        record = open_request_for(claims, table)
    except AlreadyVoted as voted:
        # A voter whose earlier submission failed half-way may complete it now.
        if voted.record.status == PENDING and quorum_met(voted.record):
            return decide_request(voted.record, claims.ref, codepipeline, table, now, tell,
                                  begin=True)
        raise
    check_comment(claims.decision, comment,
                  needs_reason=record.reject_needs_reason if record else True)
    try:
        pending = find_pending(codepipeline, claims.ref)
    except NotPending as error:
        close_for(table, record, error, now, tell)
        raise
    if table is None:
        summary = decision_summary(claims.decision, [claims.approver], comment)
        submit(codepipeline, claims.ref, claims.decision, pending, summary)
        return VoteResult(None, True, summary)

    assert record is not None
    decides = claims.decision is Decision.REJECT or record.min_approvals <= 1
    ballot = Vote(claims.approver, claims.decision.value, comment, now, source_ip, user_agent)
    record = cast_vote(table, record.request_id, ballot, decides=decides)
    if decides:
        return decide_request(record, claims.ref, codepipeline, table, now, tell,
                              begin=False, pending=pending)
    if quorum_met(record):
        return decide_request(record, claims.ref, codepipeline, table, now, tell,
                              begin=True, pending=pending)
    return VoteResult(record, False)


def decide_request(record: RequestRecord, ref: ApprovalRef, codepipeline: Any, table: Any,
                   now: datetime, tell: Tell, *, begin: bool,
                   pending: PendingApproval | None = None) -> VoteResult:
    """Submit the decision a record's votes make, once: with `begin`, only if this caller
    wins the move from pending to deciding. Used by a vote and by the scheduled sweep."""
    if begin and not begin_decision(table, record.request_id):
        # Another vote is submitting the decision at this moment.
        return VoteResult(get_request(table, record.request_id) or record, False)
    decision, summary = summary_for(record)
    try:
        pending = pending or find_pending(codepipeline, ref)
        submit(codepipeline, ref, decision, pending, summary)
    except NotPending as error:
        close_for(table, record, error, now, tell)
        raise
    except Exception:
        reopen_request(table, record.request_id)
        raise
    # The decision is made: what follows must not turn it into an error page. A request left
    # `deciding` is closed by the scheduled sweep, which finds the decision already done.
    try:
        closed = close_request(table, record.request_id, decision.past_tense.lower(), now,
                               summary=summary)
        if closed is not None:
            tell(closed)
    except Exception:
        log.exception("decision made but the request was not closed")
        closed = None
    return VoteResult(closed or record, True, summary)
