"""Block Kit for a request's channel message, its outcome, and the vote modal.

Everything interpolated comes from CodePipeline, CustomData, commits or approvers: it is put
on one line, cut to Slack's limits, and its `&`, `<` and `>` become entities, so that no
value can mention a channel (`<!channel>`), a user or a link (`<https://…|click>`). Text
objects carrying it are `verbatim`, so Slack does not turn bare URLs or names into links
either. Only ids Greenlight looked up itself become mentions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from greenlight.links import ApprovalContext, Decision
from greenlight.slack import (
    APPROVE_ACTION,
    COMMENT_ACTION,
    COMMENT_BLOCK,
    MAX_COMMENT,
    REJECT_ACTION,
    USER_ID,
    VOTE_CALLBACK,
)
from greenlight.text import one_line

FIELD_LIMIT = 300  # one value in a message; Slack allows 2000 per field, 3000 per section
TEXT_LIMIT = 2900
MIN_REASON = 3
ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
OUTCOMES = {
    "approved": "Approved",
    "rejected": "Rejected",
    "expired": "Expired: nobody decided in time",
    "superseded": "Superseded: CodePipeline no longer waits for this approval",
}


def escaped(value: object, limit: int = FIELD_LIMIT) -> str:
    """`value` on one line, cut to `limit`, with Slack's control characters as entities."""
    return one_line(value, limit).translate(ESCAPES)


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text[:TEXT_LIMIT], "verbatim": True}


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": one_line(text, limit), "emoji": False}


class TalliedRecord(Protocol):
    """What a tally needs of a request record (greenlight.store.RequestRecord has it)."""

    @property
    def approvals(self) -> Sequence[Any]: ...
    @property
    def approvals_needed(self) -> int: ...
    @property
    def rejection(self) -> Any | None: ...
    @property
    def requesters(self) -> tuple[str, ...]: ...
    def waiting_on(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Tally:
    """The votes on a request so far, as the message shows them."""

    approvals: tuple[str, ...] = ()
    needed: int = 1
    rejected_by: str | None = None
    reason: str | None = None
    waiting_on: tuple[str, ...] = ()
    requesters: tuple[str, ...] = ()

    @classmethod
    def of(cls, record: TalliedRecord) -> Tally:
        rejection = record.rejection
        return cls(
            approvals=tuple(vote.approver for vote in record.approvals),
            needed=record.approvals_needed,
            rejected_by=rejection.approver if rejection is not None else None,
            reason=rejection.comment if rejection is not None else None,
            waiting_on=record.waiting_on(),
            requesters=tuple(record.requesters),
        )

    def line(self) -> str:
        noun = "approval" if self.needed == 1 else "approvals"
        text = f"*{len(self.approvals)} of {self.needed} {noun}*"
        if self.approvals:
            text += ": " + ", ".join(escaped(a) for a in self.approvals)
        if self.rejected_by:
            text += f"\n*Rejected by* {escaped(self.rejected_by)}: {escaped(self.reason or '')}"
        return text


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage and chat.update take: blocks, and the text notifications and
    screen readers show instead."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RequestFacts:
    """What is being approved, as the mail shows it."""

    pipeline: str
    stage: str
    action: str
    context: ApprovalContext
    expires: datetime


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _facts_fields(facts: RequestFacts) -> list[dict[str, Any]]:
    context = facts.context
    rows: list[tuple[str, object]] = [("Pipeline", facts.pipeline), ("Stage", facts.stage),
                                      ("Action", facts.action)]
    revision = context.revision
    if revision is not None:
        shown = revision.short_id + (f' "{one_line(revision.message, 120)}"'
                                     if revision.message else "")
        rows.append(("Revision", shown))
        if revision.branch:
            rows.append(("Branch", revision.branch))
    for label, value in (("Requested", context.requester), ("Trigger", context.trigger),
                         ("Execution", context.execution_id)):
        if value:
            rows.append((label, value))
    return [mrkdwn(f"*{label}*\n{escaped(value)}") for label, value in rows][:10]


def _details(facts: RequestFacts) -> list[dict[str, Any]]:
    """CustomData and links as quoted text: shown, never followed by Slack on its own."""
    context = facts.context
    lines = []
    if context.custom_data:
        lines.append(f'*Details* (not from Greenlight): "{escaped(context.custom_data, 500)}"')
    if context.revision is not None and context.revision.url:
        lines.append(f"*Commit* {escaped(context.revision.url)}")
    if context.external_entity_link:
        lines.append(f"*Review* {escaped(context.external_entity_link)}")
    return [{"type": "section", "text": mrkdwn("\n".join(lines))}] if lines else []


def _mentions(mention_ids: Sequence[str]) -> str:
    ids = [i for i in dict.fromkeys(mention_ids) if USER_ID.fullmatch(i)]
    return " ".join(f"<@{i}>" for i in ids)


def request_message(facts: RequestFacts, tally: Tally, *, ref: str | None,
                    mention_ids: Sequence[str] = (), note: str | None = None) -> SlackMessage:
    """The channel message for a pending request: what waits, the tally, the expiry and,
    given the signed `ref` its buttons carry, Approve and Reject."""
    title = f"Approval needed: {escaped(facts.pipeline, 80)} / {escaped(facts.stage, 60)}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(f"*{escaped(facts.pipeline, 80)}* waits for "
                                           f"approval at {escaped(facts.stage, 60)} / "
                                           f"{escaped(facts.action, 60)}"),
         "fields": _facts_fields(facts)},
        *_details(facts),
        {"type": "section", "text": mrkdwn(tally.line())},
    ]
    context_lines = [f"Expires {_utc(facts.expires)}"]
    if tally.waiting_on:
        context_lines.append("Waiting for: " + ", ".join(escaped(a) for a in tally.waiting_on))
    if tally.requesters:
        context_lines.append("Cannot approve, as the requester: "
                             + ", ".join(escaped(a) for a in tally.requesters))
    if note:
        context_lines.append(escaped(note, 600))
    blocks.append({"type": "context", "elements": [mrkdwn(line) for line in context_lines]})
    mentions = _mentions(mention_ids)
    if mentions:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mentions}})
    if ref is not None:
        blocks.append({"type": "actions", "block_id": "greenlight_vote", "elements": [
            {"type": "button", "action_id": APPROVE_ACTION, "style": "primary",
             "text": plain("Approve"), "value": ref},
            {"type": "button", "action_id": REJECT_ACTION, "style": "danger",
             "text": plain("Reject"), "value": ref},
        ]})
    return SlackMessage(text=title, blocks=blocks)


def outcome_message(facts: RequestFacts, tally: Tally, *, outcome: str,
                    summary: str | None = None, at: datetime | None = None) -> SlackMessage:
    """The message once the request is closed: the outcome and the final tally, no buttons."""
    shown = OUTCOMES.get(outcome, outcome.capitalize())
    title = f"{shown}: {escaped(facts.pipeline, 80)} / {escaped(facts.stage, 60)}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(f"*{escaped(shown, 80)}*: {escaped(facts.pipeline, 80)}"
                                           f" at {escaped(facts.stage, 60)} / "
                                           f"{escaped(facts.action, 60)}"),
         "fields": _facts_fields(facts)},
        {"type": "section", "text": mrkdwn(tally.line())},
    ]
    lines = []
    if summary:
        lines.append(escaped(summary, 600))
    if at is not None:
        lines.append(f"Closed {_utc(at)}")
    if lines:
        blocks.append({"type": "context", "elements": [mrkdwn(line) for line in lines]})
    return SlackMessage(text=title, blocks=blocks)


def vote_modal(metadata: str, decision: Decision, *, needs_reason: bool,
               facts: RequestFacts | None = None) -> dict[str, Any]:
    """The modal a click opens: a comment, required (at least three characters) to reject
    under `reject_needs_reason`. `metadata` is the signed reference naming the decision."""
    required = decision is Decision.REJECT and needs_reason
    verb = "Approve" if decision is Decision.APPROVE else "Reject"
    blocks: list[dict[str, Any]] = []
    if facts is not None:
        blocks.append({"type": "section", "text": mrkdwn(
            f"{verb} *{escaped(facts.pipeline, 80)}* at {escaped(facts.stage, 60)} / "
            f"{escaped(facts.action, 60)}?")})
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": COMMENT_ACTION,
                               "multiline": True, "max_length": MAX_COMMENT}
    if required:
        element["min_length"] = MIN_REASON
    blocks.append({"type": "input", "block_id": COMMENT_BLOCK, "optional": not required,
                   "label": plain("Reason" if required else "Comment"), "element": element})
    return {
        "type": "modal",
        "callback_id": f"{VOTE_CALLBACK}:{decision.value}",
        "private_metadata": metadata,
        "title": plain(f"{verb} deployment", 24),
        "submit": plain(verb),
        "close": plain("Cancel"),
        "blocks": blocks,
    }
