"""Votes and decisions: a link's approver votes; the vote that completes the policy submits
the decision to CodePipeline, exactly once.

Without a table (APPROVALS_TABLE unset) there is no vote to keep: one approval decides.
Only votes whose MAC verifies under a vote key count (greenlight.ballots): a vote written
into the table by anyone else is ignored everywhere a decision is made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from greenlight.ballots import sign_vote
from greenlight.identity import issuer_host
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
    DECIDING,
    PENDING,
    AlreadyVoted,
    NotAnApprover,
    RequestClosed,
    RequestRecord,
    SelfApproval,
    Vote,
    begin_decision,
    cast_vote,
    close_request,
    counted,
    get_request,
    record_late_rejection,
    reopen_request,
)

log = logging.getLogger(__name__)
Tell = Callable[[RequestRecord], None]
STATUS_BY_OUTCOME = {"approved": "approved", "rejected": "rejected", "expired": "expired"}


class RequestAltered(Exception):
    """The request's record no longer matches notify's seal: it was changed in the table."""

    def __init__(self, record: RequestRecord) -> None:
        super().__init__("request record altered")
        self.record = record


class UnknownRequest(Exception):
    """The link is genuine but no request record exists for it."""


class RequesterNotRecorded(Exception):
    """Without a table, a link that does not say who counts as the requester (made before
    links carried it) cannot approve: nothing else could tell whether it is theirs."""


def check_link_approval(claims: LinkClaims) -> None:
    """Without a table, the link's signed `requesters` say who may not approve."""
    if claims.decision is not Decision.APPROVE:
        return
    listed = claims.context.requesters
    if listed is None:
        raise RequesterNotRecorded
    if claims.approver in listed.split(","):
        raise SelfApproval(None)


@dataclass(frozen=True)
class VoteResult:
    """A vote as recorded, and whether it decided the request."""

    record: RequestRecord | None
    decided: bool
    summary: str | None = None
    # Other actions of the stage still in progress when the decision was submitted.
    others_in_progress: tuple[str, ...] = ()


def quorum_met(record: RequestRecord) -> bool:
    return record.rejection is not None or len(record.approvals) >= record.approvals_needed


def slack_identity(user_id: str, team_id: str) -> dict[str, Any]:
    """How a vote from Slack was verified: the user and team Slack signed for. Kept with the
    vote as its `identity`, so the vote's MAC covers them (greenlight.ballots)."""
    return {"via": "slack", "slack_user_id": user_id, "slack_team_id": team_id}


def named(vote: Vote) -> str:
    """The approver as the summary names them, and how they were verified if they signed in
    or voted in Slack: `alice@example.com (signed in via login.acme.com)`,
    `alice@example.com (via Slack)`."""
    if (vote.identity or {}).get("via") == "slack":
        return f"{vote.approver} (via Slack)"
    issuer = (vote.identity or {}).get("issuer")
    if not isinstance(issuer, str) or not issuer:
        return vote.approver
    return f"{vote.approver} (signed in via {issuer_host(issuer)})"


def summary_for(record: RequestRecord) -> tuple[Decision, str]:
    """The decision a record's votes make, and the summary that names who made it."""
    if record.rejection is not None:
        vote = record.rejection
        return Decision.REJECT, decision_summary(Decision.REJECT, [named(vote)], vote.comment)
    approvals = record.approvals
    if len(approvals) == 1:
        comment = approvals[0].comment
    else:
        comment = "; ".join(f"{v.approver}: {v.comment.strip()}" for v in approvals
                            if v.comment.strip())
    return Decision.APPROVE, decision_summary(
        Decision.APPROVE, [named(v) for v in approvals], comment)


def submit(codepipeline: Any, ref: Any, decision: Decision, pending: Any,
           summary: str, execution_id: str | None = None) -> None:
    """PutApprovalResult, where "already completed" with our own summary counts as done: the
    first attempt went through but its answer was lost, and botocore's retry found it done."""
    try:
        submit_decision(codepipeline, ref, decision, pending, summary)
    except NotPending as error:
        if error.outcome.reason != "finished":
            raise
        try:
            find_pending(codepipeline, ref, execution_id)
        except NotPending as now:
            if now.outcome.summary == summary:
                return
            raise now from None
        raise


def close_for(table: Any, record: RequestRecord | None, error: NotPending, now: datetime,
              tell: Tell, vote_keys: list[str]) -> RequestRecord | None:
    """CodePipeline has moved on: close the record to match, and tell everyone once.

    An `unknown` outcome is not an answer: the request stays open, nobody is told."""
    if table is None or record is None:
        return record
    if error.outcome.reason == "unknown":
        log.warning("approval state unknown; request left open",
                    extra={"request_id": record.request_id, "status": error.outcome.status})
        return record
    status = STATUS_BY_OUTCOME.get(error.outcome.reason, "superseded")
    closed = close_request(table, record.request_id, status, now,
                           summary=error.outcome.summary, reason=error.outcome.reason)
    if closed is not None:
        closed = counted(closed, vote_keys)
        tell(closed)
        return closed
    current = get_request(table, record.request_id)
    return counted(current, vote_keys) if current else None


def sealed(record: RequestRecord, seal_keys: list[str]) -> RequestRecord:
    """The record, if who may vote and what decides are as notify sealed them; a record
    whose approvers, requesters or quorum were rewritten in the table decides nothing."""
    if not record.is_sealed(seal_keys):
        log.error("request seal does not hold", extra={"request_id": record.request_id})
        raise RequestAltered(record)
    return record


def open_request_for(claims: LinkClaims, table: Any | None, vote_keys: list[str],
                     found: RequestRecord | None = None, *,
                     seal_keys: list[str]) -> RequestRecord | None:
    """The request a link belongs to (`found`, when the caller has just read it); raise if
    it is closed, voted on, altered or refused."""
    if table is None:
        check_link_approval(claims)
        return None
    found = found or get_request(table, claims.token_digest)
    if found is None:
        raise UnknownRequest
    record = counted(sealed(found, seal_keys), vote_keys)
    check_may_vote(record, claims.approver, claims.decision)
    return record


def check_may_vote(record: RequestRecord, approver: str, decision: Decision) -> None:
    """Who may vote on a request, however the vote comes (a mail link, Slack): one of its
    approvers, while it is open, once; and on Approve, not one who asked for the run."""
    if record.status in CLOSED:
        raise RequestClosed(record)
    if approver in record.votes:
        raise AlreadyVoted(record)
    if approver not in record.approvers:
        raise NotAnApprover(record)
    if decision is Decision.APPROVE and approver in record.requesters:
        raise SelfApproval(record)


def _execution_of(claims: LinkClaims, record: RequestRecord | None) -> str | None:
    return (record.context.execution_id if record else None) or claims.context.execution_id


def review(claims: LinkClaims, *, codepipeline: Any, table: Any | None, now: datetime,
           tell: Tell, vote_keys: list[str], seal_keys: list[str]) -> RequestRecord | None:
    """A GET: may this link's approver still vote? Reads only; never votes or decides."""
    record = open_request_for(claims, table, vote_keys, seal_keys=seal_keys)
    try:
        find_pending(codepipeline, claims.ref, _execution_of(claims, record))
    except NotPending as error:
        close_for(table, record, error, now, tell, vote_keys)
        raise
    return record


def vote(claims: LinkClaims, comment: str, *, codepipeline: Any, table: Any | None,
         now: datetime, tell: Tell, vote_keys: list[str], seal_keys: list[str],
         source_ip: str | None = None, user_agent: str | None = None,
         identity: dict[str, Any] | None = None,
         found: RequestRecord | None = None) -> VoteResult:
    """A POST: record the vote and, if it completes the policy, submit the decision.

    `identity` is how the approver was verified under a sign-in rule (kept with the vote,
    covered by its MAC, named in the summary). `found` is the request as the caller just
    read it, if it did: the conditional write checks it again all the same."""
    try:
        record = open_request_for(claims, table, vote_keys, found, seal_keys=seal_keys)
    except AlreadyVoted as voted:
        # A voter whose earlier submission failed half-way may complete it now.
        if voted.record.status == PENDING and quorum_met(voted.record):
            return decide_request(voted.record, claims.ref, codepipeline, table, now, tell,
                                  begin=True, vote_keys=vote_keys)
        raise
    check_comment(claims.decision, comment,
                  needs_reason=record.reject_needs_reason if record else True)
    try:
        pending = find_pending(codepipeline, claims.ref, _execution_of(claims, record))
    except NotPending as error:
        close_for(table, record, error, now, tell, vote_keys)
        raise
    if table is None:
        summary = decision_summary(claims.decision, [claims.approver], comment)
        submit(codepipeline, claims.ref, claims.decision, pending, summary)
        return VoteResult(None, True, summary, pending.others_in_progress)

    assert record is not None
    return record_vote(record, claims.ref, claims.approver, claims.decision, comment,
                       pending=pending, codepipeline=codepipeline, table=table, now=now,
                       tell=tell, vote_keys=vote_keys, source_ip=source_ip,
                       user_agent=user_agent, identity=identity)


def vote_as(approver: str, decision: Decision, comment: str, *, request_id: str,
            codepipeline: Any, table: Any, now: datetime, tell: Tell, vote_keys: list[str],
            seal_keys: list[str], identity: dict[str, Any]) -> VoteResult:
    """A vote that does not come from a link (Slack): `approver` is who greenlight.identity
    found the voter to be, `identity` how they were verified. The same store, checks and
    decision as a link's vote: one vote per person, no self-approval, quorum, and one
    rejection rejects."""
    found = get_request(table, request_id)
    if found is None:
        raise UnknownRequest
    record = counted(sealed(found, seal_keys), vote_keys)
    try:
        check_may_vote(record, approver, decision)
    except AlreadyVoted as voted:
        if voted.record.status == PENDING and quorum_met(voted.record):
            decide_request(voted.record, ref_of(record), codepipeline, table, now, tell,
                           begin=True, vote_keys=vote_keys)
        raise
    check_comment(decision, comment, needs_reason=record.reject_needs_reason)
    ref = ref_of(record)
    try:
        pending = find_pending(codepipeline, ref, record.context.execution_id)
    except NotPending as error:
        close_for(table, record, error, now, tell, vote_keys)
        raise
    return record_vote(record, ref, approver, decision, comment, pending=pending,
                       codepipeline=codepipeline, table=table, now=now, tell=tell,
                       vote_keys=vote_keys, identity=identity)


def ref_of(record: RequestRecord) -> ApprovalRef:
    return ApprovalRef(record.pipeline, record.stage, record.action, record.request_id)


def record_vote(record: RequestRecord, ref: ApprovalRef, approver: str, decision: Decision,
                comment: str, *, pending: PendingApproval, codepipeline: Any, table: Any,
                now: datetime, tell: Tell, vote_keys: list[str], source_ip: str | None = None,
                user_agent: str | None = None,
                identity: dict[str, Any] | None = None) -> VoteResult:
    """Keep one checked vote, MAC'd, and submit the decision if it completes the policy."""
    decides = decision is Decision.REJECT or record.approvals_needed <= 1
    mac = sign_vote(vote_keys, record.request_id, approver, decision.value, now, comment,
                    identity)
    ballot = Vote(approver, decision.value, comment, now, source_ip, user_agent, mac,
                  identity=identity)
    try:
        stored, late = _cast(table, record.request_id, ballot, decides)
        record = counted(stored, vote_keys)
        if late:
            return VoteResult(record, False)
    except (AlreadyVoted, RequestClosed, SelfApproval, NotAnApprover) as refused:
        if refused.record is not None:  # the page shows the tally: genuine votes only
            refused.record = counted(refused.record, vote_keys)
        raise
    if decides:
        return decide_request(record, ref, codepipeline, table, now, tell,
                              begin=False, pending=pending, vote_keys=vote_keys)
    if quorum_met(record):
        return decide_request(record, ref, codepipeline, table, now, tell,
                              begin=True, pending=pending, vote_keys=vote_keys)
    return VoteResult(record, False)


def _cast(table: Any, request_id: str, ballot: Vote,
          decides: bool) -> tuple[RequestRecord, bool]:
    """cast_vote, and whether the vote came late: a rejection that finds a decision being
    submitted is kept as a late vote and decides nothing now (store.record_late_rejection)."""
    try:
        return cast_vote(table, request_id, ballot, decides=decides), False
    except RequestClosed as closed:
        if (ballot.decision != "reject" or closed.record is None
                or closed.record.status != DECIDING):
            raise
    log.info("rejection recorded while a decision is submitted",
             extra={"request_id": request_id})
    return record_late_rejection(table, request_id, ballot), True


def decide_request(record: RequestRecord, ref: ApprovalRef, codepipeline: Any, table: Any,
                   now: datetime, tell: Tell, *, begin: bool, vote_keys: list[str],
                   pending: PendingApproval | None = None) -> VoteResult:
    """Submit the decision a record's genuine votes make, once: with `begin`, only if this
    caller wins the move from pending to deciding. Used by a vote and by the scheduled sweep.
    Votes that do not verify never count: without a quorum of genuine ones, nothing is sent."""
    record = counted(record, vote_keys)
    if not quorum_met(record):
        return VoteResult(record, False)
    if begin and not begin_decision(table, record.request_id):
        # Another vote is submitting the decision at this moment.
        current = get_request(table, record.request_id)
        return VoteResult(counted(current, vote_keys) if current else record, False)
    decision, summary = summary_for(record)
    execution_id = record.context.execution_id
    try:
        pending = pending or find_pending(codepipeline, ref, execution_id)
        submit(codepipeline, ref, decision, pending, summary, execution_id)
    except NotPending as error:
        close_for(table, record, error, now, tell, vote_keys)
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
            closed = counted(closed, vote_keys)
            tell(closed)
    except Exception:
        log.exception("decision made but the request was not closed")
        closed = None
    return VoteResult(closed or record, True, summary, pending.others_in_progress)
