"""The pages the decide API answers with, and what each problem page says."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from greenlight.links import Decision, LinkClaims, sign_link
from greenlight.pipeline import ApprovalOutcome
from greenlight.rendering import Templates, utc
from greenlight.store import RequestRecord
from greenlight.wording import needed_line, started_line


@dataclass(frozen=True)
class Page:
    """A page the API answers with."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """Why a page could not do what was asked, as it is shown."""

    status: int
    title: str
    message: str
    tone: str = "error"
    headers: dict[str, str] = field(default_factory=dict)


PROBLEMS = {
    "invalid": Problem(403, "This link is not valid",
                       "The link is incomplete, was changed, or was signed with a key that is no "
                       "longer in use. Open it again from the approval mail, copying the whole "
                       "address."),
    "expired": Problem(410, "This approval has expired",
                       "The approval request this link was made for has passed its expiry time. "
                       "CodePipeline no longer accepts a decision for it."),
    "not-pending": Problem(409, "This approval is no longer pending",
                           "CodePipeline is not waiting for this decision any more.", "info"),
    "bad-form": Problem(400, "The form could not be used", ""),
    "voted": Problem(200, "You have already voted",
                     "Your vote on this approval is recorded; a link counts once.", "info"),
    "self": Problem(403, "You cannot approve your own run",
                    "This run was asked for by you, so your approval does not count. Another "
                    "approver must approve it. You may still reject it."),
    "not-approver": Problem(403, "You are not an approver of this request",
                            "This approval was sent to a fixed list of approvers when it was "
                            "requested, and this link's address is not on it, so its vote "
                            "does not count."),
    "requester-not-recorded": Problem(403, "This link cannot approve",
                                      "The link does not say who asked for this run, so "
                                      "Greenlight cannot tell whether it is yours. You may "
                                      "still reject it."),
    "unknown": Problem(409, "This approval is not known",
                       "Greenlight has no record of the approval request this link was made "
                       "for, so it cannot count a vote on it.", "info"),
    "closed": Problem(409, "This approval is no longer pending", "", "info"),
    "altered": Problem(409, "This approval cannot be decided here",
                       "The record of this approval request was changed outside Greenlight, "
                       "so Greenlight will not count or submit any vote on it. Nothing was "
                       "decided. Decide in the CodePipeline console, and tell whoever runs "
                       "Greenlight."),
    "method": Problem(405, "Method not allowed",
                      "Approval links are opened with GET and decided with the page's form.",
                      headers={"Allow": "GET, HEAD, POST"}),
    "not-found": Problem(404, "Page not found",
                         "There is nothing at this address. Approval links start with "
                         "/approvals/."),
    "unavailable": Problem(503, "Please try again in a moment",
                           "Greenlight could not reach AWS to check this approval. Nothing was "
                           "decided.", headers={"Retry-After": "30"}),
    "internal": Problem(500, "Something went wrong",
                        "Greenlight hit an unexpected error. If you submitted a decision, check "
                        "the pipeline before trying again."),
}

OUTCOME_MESSAGES = {
    "superseded": "A newer run of the pipeline has replaced the one this link was made for, or "
                  "that run was stopped. This link can no longer decide anything; a new "
                  "approval mail goes out for the newer run.",
    "approved": "This approval was already approved.",
    "rejected": "This approval was already rejected.",
    "expired": "This approval expired in CodePipeline before anyone decided.",
    "finished": "This approval was already decided, or its run was stopped.",
    "gone": "The pipeline, stage or approval action no longer exists.",
    "unknown": "CodePipeline does not show this approval as waiting any more.",
}


CLOSED_MESSAGES = {
    "approved": "This approval was already approved.",
    "rejected": "This approval was already rejected.",
    "superseded": OUTCOME_MESSAGES["superseded"],
    "expired": "This approval expired before enough approvers decided.",
    "deciding": "Enough votes are in; the decision is being submitted to CodePipeline.",
}


def switch_link(claims: LinkClaims, keys: list[str], record: RequestRecord | None) -> str | None:
    """The signed link for the other decision, relative to this one (a sibling under
    /approvals/), so the review page can offer it; None where that decision is refused
    (the requester's own approval). It decides nothing either: its page asks again."""
    other = Decision.REJECT if claims.decision is Decision.APPROVE else Decision.APPROVE
    if other is Decision.APPROVE:
        requesters = (record.requesters if record is not None
                      else (claims.context.requesters or "").split(","))
        if claims.approver in requesters:
            return None
    return sign_link(replace(claims, decision=other), keys)


def review_values(claims: LinkClaims, keys: list[str],
                  record: RequestRecord | None) -> dict[str, str | None]:
    """What the review page says beyond the claims: what is needed (with a table, where the
    approvers are recorded), who started the run, and the link to the other decision."""
    return {
        "needed_line": (needed_line(record.approvals_needed, record.approvers, claims.approver)
                        if record is not None else None),
        "started_line": started_line(claims.context),
        "switch_link": switch_link(claims, keys, record),
    }


def voted_message(claims: LinkClaims | None, record: RequestRecord | None) -> str | None:
    """What "You have already voted" says: the pipeline, and the vote as it is recorded."""
    if claims is None or record is None or claims.approver not in record.votes:
        return None
    vote = record.votes[claims.approver]
    verb = "approved" if vote.decision == "approve" else "rejected"
    said = f' with "{vote.comment}"' if vote.comment else ""
    return (f"You {verb} {claims.pipeline} ({claims.stage} / {claims.action}) on "
            f"{utc(vote.at)}{said}. Your vote is recorded; a link counts once.")


def problem_page(templates: Templates, kind: str, *, status: int | None = None,
                 message: str | None = None, claims: LinkClaims | None = None,
                 outcome: ApprovalOutcome | None = None,
                 record: RequestRecord | None = None) -> Page:
    problem = PROBLEMS[kind]
    text = message or problem.message
    if outcome is not None:
        text = OUTCOME_MESSAGES.get(outcome.reason, OUTCOME_MESSAGES["unknown"])
    elif kind == "closed" and record is not None:
        text = CLOSED_MESSAGES.get(record.status, OUTCOME_MESSAGES["unknown"])
    elif kind == "voted":
        text = voted_message(claims, record) or text
    html = templates.page("pages/problem.html.j2", title=problem.title, message=text,
                          tone=problem.tone, claims=claims, outcome=outcome, record=record)
    return Page(status or problem.status, html, dict(problem.headers))
