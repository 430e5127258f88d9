"""Approval requests and their votes in DynamoDB: one item per request, keyed by the digest
of its approval token (the token itself is never stored).

Every change is a conditional write, so redelivered messages, double clicks and concurrent
voters cannot send a mail twice, lose a vote or decide twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from greenlight.ballots import pinned_text, seal_holds, seal_request, vote_is_genuine
from greenlight.links import ApprovalContext, Revision
from greenlight.sign_in_rule import SIGN_IN_FIELDS

log = logging.getLogger(__name__)

PENDING = "pending"
DECIDING = "deciding"
CLOSED = {"approved", "rejected", "superseded", "expired"}
PENDING_INDEX = "pending-index"
# The pending index's key of closed requests whose outcome mails are not all sent yet.
UNTOLD = "untold"
PIPELINE_INDEX = "pipeline-index"
# How long a decided or expired request is kept before DynamoDB's TTL removes it.
RETENTION = timedelta(days=400)
# A mail claimed by a send that never finished may be claimed again after this long.
STALE_CLAIM = timedelta(minutes=5)


@dataclass(frozen=True)
class Vote:
    """One approver's recorded vote, with its MAC under the vote key."""

    approver: str
    decision: str  # approve | reject
    comment: str
    at: datetime
    source_ip: str | None = None
    user_agent: str | None = None
    mac: str | None = None  # greenlight.ballots: who may have written this vote
    # A rejection that arrived while a decision was being submitted: kept for the audit;
    # it decides only if that submission does not go through.
    late: bool = False
    # Under a sign-in rule: how the approver was verified (issuer, sub, email, auth_time, amr,
    # acr; greenlight.signin_flow.identity_record). The MAC covers it.
    identity: dict[str, Any] | None = None

    def is_genuine(self, request_id: str, keys: list[str]) -> bool:
        return vote_is_genuine(keys, self.mac, request_id, self.approver, self.decision,
                               self.at, self.comment, self.identity)


@dataclass(frozen=True)
class RequestRecord:
    """An approval request as Greenlight tracks it."""

    request_id: str
    pipeline: str
    stage: str
    action: str
    status: str
    approvers: tuple[str, ...]
    min_approvals: int
    expires_at: datetime
    sent_at: datetime
    context: ApprovalContext
    reject_needs_reason: bool = True
    remind_every_minutes: int | None = None
    escalate_to: tuple[str, ...] = ()
    escalate_before_minutes: int | None = None
    notify: tuple[str, ...] = ()
    rule: str = "default"
    requester: str | None = None  # who asked for the run, as the mail showed it
    # The approvers who count as the requester (none of them may approve), whether the
    # requester is known, and whether CustomData named several; fixed at the first delivery.
    requesters: tuple[str, ...] = ()
    requester_known: bool = False
    requester_conflict: bool = False
    separation: str = "best-effort"
    # One for an unknown requester under separation "required" (policy.approvals_needed).
    extra_approvals: int = 0
    # The rule's sign-in fields (policy.SignInRule.as_record) and, under sign-in, the
    # `identities` of its approvers, as first recorded.
    sign_in: dict[str, Any] = field(default_factory=dict)
    sign_in_identities: dict[str, str] = field(default_factory=dict)
    # The rule's Slack channel ({"channel", "mention"}), its `slack:` identities, and the
    # channel message once posted ({"state", "channel", "ts", "shown"}; greenlight.slack_sync).
    slack: dict[str, Any] = field(default_factory=dict)
    slack_identities: dict[str, str] = field(default_factory=dict)
    slack_post: dict[str, Any] = field(default_factory=dict)
    votes: dict[str, Vote] = field(default_factory=dict)
    mailed: frozenset[str] = frozenset()
    decided_at: datetime | None = None
    summary: str | None = None
    reason: str | None = None
    last_reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    outcome_mailed_at: datetime | None = None
    # Approvers whose vote in the table does not verify; set by `verified`.
    forged: tuple[str, ...] = ()
    # The item as stored, whose pinned attributes (ballots.pinned_text) notify sealed; the
    # text is made only when the seal is checked, not at every read.
    stored: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    seal: str | None = None

    def is_sealed(self, keys: list[str]) -> bool:
        """Whether who may vote and what decides are still as notify recorded them: a
        record whose approvers, requesters or quorum were changed in the table is not."""
        return seal_holds(keys, pinned_text(self.stored), self.seal)

    def verified(self, keys: list[str]) -> RequestRecord:
        """This record with only the votes a vote key signed; the others are named in
        `forged` and count nowhere (no tally, no quorum, no decision)."""
        genuine = {a: v for a, v in self.votes.items() if v.is_genuine(self.request_id, keys)}
        if len(genuine) == len(self.votes):
            return self  # every vote verifies (a record is frozen: it can be shared)
        forged = tuple(sorted(set(self.votes) - set(genuine)))
        return replace(self, votes=genuine, forged=tuple(sorted({*self.forged, *forged})))

    @property
    def approvals_needed(self) -> int:
        return self.min_approvals + self.extra_approvals

    def counts(self, vote: Vote) -> bool:
        """A vote counts only if its approver is on the request, and an approval only if
        its approver is not the requester (the table's conditions refuse the others)."""
        return vote.approver in self.approvers and not (
            vote.decision == "approve" and vote.approver in self.requesters)

    @property
    def approvals(self) -> list[Vote]:
        return sorted((v for v in self.votes.values()
                       if v.decision == "approve" and self.counts(v)), key=lambda v: v.at)

    @property
    def rejection(self) -> Vote | None:
        return next((v for v in sorted(self.votes.values(), key=lambda v: v.at)
                     if v.decision == "reject" and self.counts(v)), None)

    @property
    def eligible(self) -> tuple[str, ...]:
        """The approvers whose approval can count."""
        return tuple(a for a in self.approvers if a not in self.requesters)

    @property
    def meetable(self) -> bool:
        return len(self.eligible) >= self.approvals_needed

    def waiting_on(self) -> tuple[str, ...]:
        return tuple(a for a in self.eligible if a not in self.votes)


def counted(record: RequestRecord, vote_keys: list[str]) -> RequestRecord:
    """The record with only its genuine votes; every other vote is logged and ignored."""
    verified = record.verified(vote_keys)
    for approver in set(verified.forged) - set(record.forged):
        log.warning("forged vote ignored", extra={"request_id": record.request_id,
                                                   "approver": approver})
    return verified


class AlreadyVoted(Exception):
    def __init__(self, record: RequestRecord) -> None:
        super().__init__("already voted")
        self.record = record


class RequestClosed(Exception):
    def __init__(self, record: RequestRecord | None) -> None:
        super().__init__("request is no longer pending")
        self.record = record


class NotAnApprover(Exception):
    """The vote's approver is not among the approvers stored with the request."""

    def __init__(self, record: RequestRecord) -> None:
        super().__init__("not an approver of this request")
        self.record = record


class SelfApproval(Exception):
    def __init__(self, record: RequestRecord | None) -> None:
        super().__init__("an approver may not approve a run they asked for")
        self.record = record


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _context_json(context: ApprovalContext) -> str:
    return json.dumps(asdict(context), separators=(",", ":"))


def _context(text: str) -> ApprovalContext:
    values = json.loads(text)
    revision = values.pop("revision", None)
    return ApprovalContext(**values, revision=Revision(**revision) if revision else None)


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, Decimal)) else None


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _plain(value: Any) -> Any:
    """A DynamoDB value as JSON would hold it (its numbers come back as Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _vote(approver: str, value: Any) -> Vote:
    """A vote as stored; one that is malformed still loads, and fails verification."""
    v = value if isinstance(value, dict) else {}
    try:
        at = _time(v.get("at"))
    except ValueError:
        at = None
    return Vote(approver, str(v.get("decision", "")), str(v.get("comment", "")),
                at or datetime.min.replace(tzinfo=UTC), _text_or_none(v.get("source_ip")),
                _text_or_none(v.get("user_agent")), _text_or_none(v.get("mac")),
                v.get("late") is True, _plain(v.get("identity")))


def record_from_item(item: dict[str, Any]) -> RequestRecord:
    votes = {approver: _vote(approver, v) for approver, v in (item.get("votes") or {}).items()}
    mails = item.get("mails") or {}
    return RequestRecord(
        request_id=item["request_id"],
        pipeline=item["pipeline"],
        stage=item["stage"],
        action=item["action"],
        status=item["status"],
        approvers=tuple(item.get("approvers", [])),
        min_approvals=_number(item.get("min_approvals")) or 1,
        expires_at=datetime.fromtimestamp(int(item["expires_at"]), UTC),
        sent_at=_time(item["sent_at"]) or datetime.min.replace(tzinfo=UTC),
        context=_context(item["context"]),
        reject_needs_reason=bool(item.get("reject_needs_reason", True)),
        remind_every_minutes=_number(item.get("remind_every_minutes")),
        escalate_to=tuple(item.get("escalate_to") or []),
        escalate_before_minutes=_number(item.get("escalate_before_minutes")),
        notify=tuple(item.get("notify") or []),
        rule=item.get("rule", "default"),
        requester=item.get("requester"),
        # Records from before `requesters` kept one `requester_approver`.
        requesters=tuple(item.get("requesters") or filter(None, [item.get("requester_approver")])),
        requester_known=bool(item.get("requester_known", False)),
        requester_conflict=bool(item.get("requester_conflict", False)),
        separation=str(item.get("separation", "best-effort")),
        extra_approvals=max(0, (_number(item.get("approvals_needed")) or 0)
                            - (_number(item.get("min_approvals")) or 1)),
        sign_in={k: _plain(item[k]) for k in SIGN_IN_FIELDS if k in item},
        sign_in_identities={str(k): str(v) for k, v in
                            (item.get("sign_in_identities") or {}).items()},
        slack=_plain(item.get("slack") or {}),
        slack_identities={str(k): str(v) for k, v in
                          (item.get("slack_identities") or {}).items()},
        slack_post=_plain(item.get("slack_post") or {}),
        votes=votes,
        mailed=frozenset(k for k, v in mails.items() if v.get("state") == "sent"),
        decided_at=_time(item.get("decided_at")),
        summary=item.get("summary"),
        reason=item.get("reason"),
        last_reminded_at=_time(item.get("last_reminded_at")),
        escalated_at=_time(item.get("escalated_at")),
        outcome_mailed_at=_time(item.get("outcome_mailed_at")),
        stored=item,
        seal=_text_or_none(item.get("seal")),
    )


def _failed_condition(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _update_if(table: Any, **request: Any) -> dict[str, Any] | None:
    """A conditional UpdateItem: the new item's attributes, or None if the condition failed."""
    try:
        return dict(table.update_item(**request).get("Attributes", {}))
    except ClientError as error:
        if _failed_condition(error):
            return None
        raise


def open_request(table: Any, *, request_id: str, pipeline: str, stage: str, action: str,
                 expires_at: datetime, context: ApprovalContext, rule: dict[str, Any],
                 requester: str | None, requesters: tuple[str, ...], requester_known: bool,
                 requester_conflict: bool, approvals_needed: int,
                 now: datetime, seal_keys: list[str]) -> RequestRecord:
    """Create the request record, or return the one an earlier delivery created: its
    approvers, requesters and rule stay as first recorded, whatever the policy says now."""
    item: dict[str, Any] = {
        "request_id": request_id,
        "pipeline": pipeline,
        "stage": stage,
        "action": action,
        "status": PENDING,
        "pending": PENDING,
        "expires_at": int(expires_at.timestamp()),
        "expires_ttl": int((expires_at + RETENTION).timestamp()),
        "sent_at": _iso(now),
        "context": _context_json(context),
        "votes": {},
        "mails": {},
        "outcome_mails": {},
        **{k: v for k, v in rule.items() if v is not None and v != []},
    }
    item.update(requesters=list(requesters), requester_known=requester_known,
                requester_conflict=requester_conflict, approvals_needed=approvals_needed)
    if requester:
        item["requester"] = requester
    item["seal"] = seal_request(seal_keys, item)
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(request_id)")
        return record_from_item(item)
    except ClientError as error:
        if not _failed_condition(error):
            raise
    existing = get_request(table, request_id)
    assert existing is not None
    return existing


def get_request(table: Any, request_id: str) -> RequestRecord | None:
    item = table.get_item(Key={"request_id": request_id}, ConsistentRead=True).get("Item")
    return record_from_item(item) if item else None


# The mails of a request, each claimed before it is sent: `mails` holds the approval mails,
# `outcome_mails` the mails that say what became of it.
APPROVAL_MAILS = "mails"
OUTCOME_MAILS = "outcome_mails"
SETTLE_CHUNK = 40


def _claim(now: datetime) -> dict[str, Any]:
    return {"state": "sending", "at": _iso(now)}


def claim_mails(table: Any, request_id: str, recipients: list[str], now: datetime,
                box: str = APPROVAL_MAILS) -> bool:
    """Claim every recipient's mail in one conditional write, whatever their number (the
    claims are one value, so the expression stays short): True if no mail of the box had
    been claimed (the normal case), False if any had (a redelivery, or another sender at
    work; claim_mail then claims them one by one)."""
    if not recipients:
        return True
    return _update_if(
        table,
        Key={"request_id": request_id},
        UpdateExpression="SET #box = :claims",
        ConditionExpression="attribute_exists(#box) AND size(#box) = :none",
        ExpressionAttributeNames={"#box": box},
        ExpressionAttributeValues={":claims": {r: _claim(now) for r in recipients},
                                   ":none": 0},
    ) is not None


def settle_claimed(table: Any, request_id: str, sent: list[str], now: datetime,
                   box: str = APPROVAL_MAILS, told: bool = False) -> None:
    """One write after the sends of a delivery that claimed every mail (claim_mails): the
    box holds the sent mails; the failed ones lose their claims, so a retry sends them."""
    update = "SET #box = :sent"
    values: dict[str, Any] = {":sent": {r: {"state": "sent", "at": _iso(now)}
                                         for r in sent}}
    if told:
        update += ", outcome_mailed_at = if_not_exists(outcome_mailed_at, :now) REMOVE pending"
        values[":now"] = _iso(now)
    table.update_item(Key={"request_id": request_id}, UpdateExpression=update,
                      ExpressionAttributeNames={"#box": box},
                      ExpressionAttributeValues=values)


def claim_mail(table: Any, request_id: str, recipient: str, now: datetime,
               box: str = APPROVAL_MAILS) -> bool:
    """Claim the right to send `recipient` their mail; False if it is sent or being sent."""
    return _update_if(
        table,
        Key={"request_id": request_id},
        UpdateExpression="SET #box.#r = :claim",
        ConditionExpression=("attribute_exists(#box) AND (attribute_not_exists(#box.#r) OR "
                             "(#box.#r.#state = :sending AND #box.#r.#at < :stale))"),
        ExpressionAttributeNames={"#box": box, "#r": recipient, "#state": "state", "#at": "at"},
        ExpressionAttributeValues={
            ":claim": _claim(now),
            ":sending": "sending",
            ":stale": _iso(now - STALE_CLAIM),
        },
    ) is not None


def settle_mails(table: Any, request_id: str, sent: list[str], failed: list[str],
                 now: datetime, box: str = APPROVAL_MAILS, told: bool = False) -> None:
    """After the sends of a delivery that claimed mails one by one: mark the sent mails sent
    and release the failed ones' claims so a retry sends them, a few dozen a write (an
    expression holds at most 4 KB). With `told`, the request's outcome is told to everyone:
    it leaves the sweep's list of closed requests still to tell."""
    if len(sent) + len(failed) > SETTLE_CHUNK:
        for start in range(0, len(sent), SETTLE_CHUNK):
            settle_mails(table, request_id, sent[start:start + SETTLE_CHUNK], [], now, box)
        for start in range(0, len(failed), SETTLE_CHUNK):
            settle_mails(table, request_id, [], failed[start:start + SETTLE_CHUNK], now, box)
        if told:
            settle_mails(table, request_id, [], [], now, box, told=True)
        return
    names: dict[str, str] = {"#box": box}
    sets, removes = [], []
    for i, recipient in enumerate(sent):
        names[f"#s{i}"] = recipient
        sets.append(f"#box.#s{i} = :sent")
    for i, recipient in enumerate(failed):
        names[f"#f{i}"] = recipient
        removes.append(f"#box.#f{i}")
    values: dict[str, Any] = {":sent": {"state": "sent", "at": _iso(now)}} if sent else {}
    if told:
        sets.append("outcome_mailed_at = if_not_exists(outcome_mailed_at, :now)")
        values[":now"] = _iso(now)
        removes.append("pending")
    if not sets and not removes:
        return
    update = " ".join(filter(None, ["SET " + ", ".join(sets) if sets else "",
                                    "REMOVE " + ", ".join(removes) if removes else ""]))
    request: dict[str, Any] = {"Key": {"request_id": request_id}, "UpdateExpression": update,
                               "ExpressionAttributeNames": names}
    if values:
        request["ExpressionAttributeValues"] = values
    table.update_item(**request)


def settle_mail(table: Any, request_id: str, recipient: str, sent: bool, now: datetime,
                box: str = APPROVAL_MAILS) -> None:
    """Mark a claimed mail sent, or release the claim so a retry sends it."""
    settle_mails(table, request_id, [recipient] if sent else [],
                 [] if sent else [recipient], now, box)


def _vote_item(vote: Vote, late: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {k: v for k, v in {
        "decision": vote.decision, "comment": vote.comment, "at": _iso(vote.at),
        "source_ip": vote.source_ip, "user_agent": vote.user_agent, "mac": vote.mac,
        "identity": vote.identity,
    }.items() if v is not None}
    if late:
        item["late"] = True
    return item


# Who may vote, checked by the write itself: an approver stored with the request who has not
# voted yet; for an approval, also not one of its requesters (`requester_approver` is the
# one requester of records written before `requesters`).
MAY_VOTE = "attribute_not_exists(votes.#a) AND contains(approvers, :me)"
MAY_APPROVE = (" AND NOT contains(requesters, :me)"
               " AND (attribute_not_exists(requester_approver) OR requester_approver <> :me)")


def _refusal(table: Any, request_id: str, vote: Vote, status: str) -> Exception:
    """Why a vote's conditional write failed, read back from the record."""
    record = get_request(table, request_id)
    if record is None or record.status != status:
        return RequestClosed(record)
    if vote.approver in record.votes:
        return AlreadyVoted(record)
    if vote.approver not in record.approvers:
        return NotAnApprover(record)
    return SelfApproval(record)


def cast_vote(table: Any, request_id: str, vote: Vote, *, decides: bool) -> RequestRecord:
    """Record one approver's vote while the request is pending; one vote per approver.

    With `decides`, the same write moves the request to `deciding`, so exactly one caller
    goes on to submit the decision. Raises AlreadyVoted, RequestClosed, NotAnApprover or
    SelfApproval.
    """
    names = {"#a": vote.approver, "#status": "status"}
    values: dict[str, Any] = {":vote": _vote_item(vote), ":pending": PENDING,
                              ":me": vote.approver}
    update = "SET votes.#a = :vote"
    if decides:
        update += ", #status = :deciding"
        values[":deciding"] = DECIDING
    condition = "#status = :pending AND " + MAY_VOTE
    if vote.decision == "approve":
        condition += MAY_APPROVE
    item = _update_if(
        table, Key={"request_id": request_id}, UpdateExpression=update,
        ConditionExpression=condition, ExpressionAttributeNames=names,
        ExpressionAttributeValues=values, ReturnValues="ALL_NEW")
    if item is not None:
        return record_from_item(item)
    raise _refusal(table, request_id, vote, PENDING)


def record_late_rejection(table: Any, request_id: str, vote: Vote) -> RequestRecord:
    """Keep a rejection that arrived while a decision is being submitted (`deciding`).

    It is stored as a late vote: the decision in flight stands if CodePipeline takes it;
    if that submission fails and the request returns to pending, the rejection decides.
    Raises as cast_vote does.
    """
    assert vote.decision == "reject"
    item = _update_if(
        table, Key={"request_id": request_id}, UpdateExpression="SET votes.#a = :vote",
        ConditionExpression="#status = :deciding AND " + MAY_VOTE,
        ExpressionAttributeNames={"#a": vote.approver, "#status": "status"},
        ExpressionAttributeValues={":vote": _vote_item(vote, late=True),
                                   ":deciding": DECIDING, ":me": vote.approver},
        ReturnValues="ALL_NEW")
    if item is not None:
        return record_from_item(item)
    raise _refusal(table, request_id, vote, DECIDING)


def begin_decision(table: Any, request_id: str) -> bool:
    """Move a pending request to `deciding`; True for exactly one caller."""
    return _update_if(
        table, Key={"request_id": request_id}, UpdateExpression="SET #status = :deciding",
        ConditionExpression="#status = :pending",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":deciding": DECIDING, ":pending": PENDING},
    ) is not None


def close_request(table: Any, request_id: str, status: str, now: datetime, *,
                  summary: str | None = None, reason: str | None = None,
                  only_from: tuple[str, ...] = (PENDING, DECIDING)) -> RequestRecord | None:
    """Set the final status once; None if the request had already been closed.

    The request stays in the pending index under `untold` until its outcome mails are all
    sent (settle_mails with `told`): the sweep tells what nobody told."""
    assert status in CLOSED
    values: dict[str, Any] = {":status": status, ":at": _iso(now), ":untold": UNTOLD,
                              ":none": {}}
    sets = ["#status = :status", "decided_at = :at", "pending = :untold",
            "outcome_mails = if_not_exists(outcome_mails, :none)"]
    if summary is not None:
        sets.append("summary = :summary")
        values[":summary"] = summary
    if reason is not None:
        sets.append("reason = :reason")
        values[":reason"] = reason
    allowed = []
    for index, state in enumerate(only_from):
        values[f":from{index}"] = state
        allowed.append(f"#status = :from{index}")
    item = _update_if(
        table, Key={"request_id": request_id},
        UpdateExpression="SET " + ", ".join(sets),
        ConditionExpression=" OR ".join(allowed),
        ExpressionAttributeNames={"#status": "status"}, ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW")
    return record_from_item(item) if item is not None else None


def reopen_request(table: Any, request_id: str) -> None:
    """Return a request left in `deciding` by a submission that did not happen."""
    table.update_item(
        Key={"request_id": request_id}, UpdateExpression="SET #status = :pending",
        ConditionExpression="#status = :deciding",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":deciding": DECIDING, ":pending": PENDING})


def mark_once(table: Any, request_id: str, attribute: str, now: datetime,
              not_since: datetime | None = None) -> bool:
    """Set a timestamp attribute if it is unset (or older than `not_since`); True if we did."""
    condition = "attribute_not_exists(#attr)"
    values: dict[str, Any] = {":now": _iso(now)}
    if not_since is not None:
        condition += " OR #attr < :since"
        values[":since"] = _iso(not_since)
    return _update_if(
        table, Key={"request_id": request_id}, UpdateExpression="SET #attr = :now",
        ConditionExpression=condition, ExpressionAttributeNames={"#attr": attribute},
        ExpressionAttributeValues=values,
    ) is not None


def pending_requests(table: Any) -> list[RequestRecord]:
    """Every request still pending or being decided (the index holds only those)."""
    return _query_all(table, {
        "IndexName": PENDING_INDEX,
        "KeyConditionExpression": "pending = :pending",
        "ExpressionAttributeValues": {":pending": PENDING},
    })


def untold_requests(table: Any) -> list[RequestRecord]:
    """Every closed request whose outcome mails are not all sent (the sweep's backstop)."""
    return _query_all(table, {
        "IndexName": PENDING_INDEX,
        "KeyConditionExpression": "pending = :untold",
        "ExpressionAttributeValues": {":untold": UNTOLD},
    })


def _query_all(table: Any, request: dict[str, Any]) -> list[RequestRecord]:
    records: list[RequestRecord] = []
    while True:
        page = table.query(**request)
        records.extend(record_from_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return records
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def requests_for_pipeline(table: Any, pipeline: str) -> list[RequestRecord]:
    """A pipeline's requests, newest first (the audit trail)."""
    return _query_all(table, {
        "IndexName": PIPELINE_INDEX,
        "KeyConditionExpression": "pipeline = :pipeline",
        "ExpressionAttributeValues": {":pipeline": pipeline},
        "ScanIndexForward": False,
    })
