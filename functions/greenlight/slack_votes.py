"""Votes from Slack: a click on a request's message opens the vote modal, and the modal's
submission records the vote through the same store and rules as a mail link's
(greenlight.voting.vote_as).

Only a request Slack signed for reaches here (greenlight.slack.verify_request, in the decide
function). Who clicked is the Slack user Slack signed for, resolved to an approver's address
by greenlight.identity; everyone else is told why, privately, and nothing is recorded.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from greenlight.links import Decision
from greenlight.pipeline import NotPending
from greenlight.review import BadForm
from greenlight.sign_in_rule import sign_in_rule_from_record
from greenlight.slack import (
    COMMENT_BLOCK,
    ButtonClick,
    ModalSubmission,
    RefInvalid,
    RequestRef,
    read_ref,
    sign_ref,
)
from greenlight.slack_api import SlackFailure, open_modal, slack_approver, tell_privately
from greenlight.slack_messages import vote_modal
from greenlight.slack_sync import SlackAccess, facts_of
from greenlight.store import (
    CLOSED,
    AlreadyVoted,
    NotAnApprover,
    RequestClosed,
    RequestRecord,
    SelfApproval,
    get_request,
)
from greenlight.voting import (
    RequestAltered,
    Tell,
    UnknownRequest,
    VoteResult,
    check_may_vote,
    counted,
    slack_identity,
    vote_as,
)

log = logging.getLogger(__name__)

REFUSALS = {
    "altered": "This request's record was changed outside Greenlight, so no vote on it "
               "counts. Nothing was recorded; decide in the CodePipeline console.",
    "unknown-request": "Greenlight does not know this request any more, so your click decided "
                       "nothing.",
    "closed": "This approval is closed, so your click decided nothing.",
    "not-approver": "You are not an approver of this request, so your click decided nothing. "
                    "Only the approvers it names may vote.",
    "requester": "You asked for this run, so you may not approve it: another approver must. "
                 "You may still reject it.",
    "already-voted": "You have already voted on this request; a person votes once, by mail "
                     "or in Slack.",
    "sign-in": "This approval requires signing in: vote with the link in your mail.",
    "slack-unavailable": "Greenlight could not ask Slack who you are just now, so your click "
                         "decided nothing. Try again in a minute.",
    "not-pending": "CodePipeline no longer waits for this approval, so your vote decided "
                   "nothing.",
}


class SlackVoteRefused(Exception):
    """Why a Slack user's click or submission decided nothing (a key of REFUSALS)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return REFUSALS[self.reason]


@dataclass(frozen=True)
class ClickAnswer:
    """What became of a click: the modal opened, or the refusal told privately."""

    opened: bool
    refused: str | None = None
    failure: SlackFailure | None = None


def voter_of(user_id: str, team_id: str, record: RequestRecord, slack: SlackAccess) -> str:
    """The approver of `record` the Slack user is; raise SlackVoteRefused otherwise."""
    home_team = slack.home_team()
    if isinstance(home_team, SlackFailure):
        raise SlackVoteRefused("slack-unavailable")
    found = slack_approver(slack.client, user_id, team_id, approvers=record.approvers,
                           identities=record.slack_identities, home_team=home_team,
                           cache=slack.lookups, now=time.time())
    if isinstance(found, SlackFailure):
        raise SlackVoteRefused("slack-unavailable")
    if found is None:
        raise SlackVoteRefused("not-approver")
    return found


def request_of(ref: RequestRef, table: Any, vote_keys: list[str],
               seal_keys: list[str]) -> RequestRecord:
    found = get_request(table, ref.request_id)
    if found is None or (found.pipeline, found.stage, found.action) != (
            ref.pipeline, ref.stage, ref.action):
        raise SlackVoteRefused("unknown-request")
    if not found.is_sealed(seal_keys):
        raise SlackVoteRefused("altered")
    return counted(found, vote_keys)


def check_voter(record: RequestRecord, approver: str, decision: Decision) -> None:
    """greenlight.voting's rule for who may vote, and the request's sign-in rule, as a
    refusal to tell."""
    try:
        check_may_vote(record, approver, decision)
    except RequestClosed:
        raise SlackVoteRefused("closed") from None
    except AlreadyVoted:
        raise SlackVoteRefused("already-voted") from None
    except NotAnApprover:
        raise SlackVoteRefused("not-approver") from None
    except SelfApproval:
        raise SlackVoteRefused("requester") from None
    # Slack's signed identity is not the sign-in such a rule asks for: fail closed.
    if sign_in_rule_from_record(record.sign_in).required:
        raise SlackVoteRefused("sign-in")


def open_vote(click: ButtonClick, *, slack: SlackAccess, table: Any,
              vote_keys: list[str]) -> ClickAnswer:
    """A click on Approve or Reject: if the clicker may cast that vote, open the modal (with
    the click's trigger_id, which lasts three seconds: nothing slow comes first); otherwise
    tell them why, privately. Nothing is recorded either way."""
    try:
        try:
            ref = read_ref(click.request_ref, slack.ref_keys)
        except RefInvalid:
            raise SlackVoteRefused("unknown-request") from None
        record = request_of(ref, table, vote_keys, slack.ref_keys)
        if record.status in CLOSED:
            raise SlackVoteRefused("closed")
        approver = voter_of(click.user_id, click.team_id, record, slack)
        check_voter(record, approver, click.decision)
    except SlackVoteRefused as refused:
        log.info("slack click refused", extra={"reason": refused.reason})
        failure = tell_privately(slack.client, click.channel, click.user_id, refused.message)
        return ClickAnswer(False, refused.reason, failure)
    metadata = sign_ref(RequestRef(ref.request_id, ref.pipeline, ref.stage, ref.action,
                                   decision=click.decision), slack.ref_keys)
    view = vote_modal(metadata, click.decision, needs_reason=record.reject_needs_reason,
                      facts=facts_of(record))
    failure = open_modal(slack.client, click.trigger_id, view)
    if failure is not None:
        log.warning("slack modal not opened", extra={"error": failure.error})
    return ClickAnswer(failure is None, None, failure)


@dataclass(frozen=True)
class SubmissionAnswer:
    """The vote's result, or what the modal shows instead (Slack keeps it open)."""

    result: VoteResult | None = None
    errors: dict[str, str] | None = None
    refused: str | None = None

    def body(self) -> dict[str, Any] | None:
        """The HTTP answer's JSON: None (an empty 200) closes the modal."""
        if self.errors:
            return {"response_action": "errors", "errors": self.errors}
        return None


def cast_from_slack(submission: ModalSubmission, *, slack: SlackAccess, table: Any,
                    codepipeline: Any, now: datetime, tell: Tell,
                    vote_keys: list[str]) -> SubmissionAnswer:
    """The modal's submission: the vote, recorded as a mail link's would be; or, when it may
    not be cast (any more), the reason shown on the modal and nothing recorded."""
    try:
        try:
            ref = read_ref(submission.request_ref, slack.ref_keys,
                           decision=submission.decision)
        except RefInvalid:
            raise SlackVoteRefused("unknown-request") from None
        record = request_of(ref, table, vote_keys, slack.ref_keys)
        approver = voter_of(submission.user_id, submission.team_id, record, slack)
        check_voter(record, approver, submission.decision)
        result = vote_as(approver, submission.decision, submission.comment,
                         request_id=record.request_id, codepipeline=codepipeline,
                         table=table, now=now, tell=tell, vote_keys=vote_keys,
                         seal_keys=slack.ref_keys,
                         identity=slack_identity(submission.user_id, submission.team_id))
    except BadForm as problem:
        return SubmissionAnswer(errors={COMMENT_BLOCK: problem.message}, refused="comment")
    except (RequestClosed, AlreadyVoted, NotAnApprover, SelfApproval, UnknownRequest,
            RequestAltered, NotPending) as error:
        reason = {RequestClosed: "closed", AlreadyVoted: "already-voted",
                  NotAnApprover: "not-approver", SelfApproval: "requester",
                  UnknownRequest: "unknown-request", RequestAltered: "altered",
                  NotPending: "not-pending"}[type(error)]
        log.info("slack vote refused", extra={"reason": reason})
        return SubmissionAnswer(errors={COMMENT_BLOCK: REFUSALS[reason]}, refused=reason)
    except SlackVoteRefused as refused:
        log.info("slack vote refused", extra={"reason": refused.reason})
        return SubmissionAnswer(errors={COMMENT_BLOCK: refused.message}, refused=refused.reason)
    return SubmissionAnswer(result=result)
