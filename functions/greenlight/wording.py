"""Sentences the approval mails and the review pages share, as plain text (the templates
escape them where HTML needs it)."""

from __future__ import annotations

from collections.abc import Sequence

from greenlight.links import ApprovalContext

# The others a mail or page names; past this many it says how many more were asked (a list
# of hundreds helps nobody, and would make each mail grow with the number of approvers).
MAX_NAMED = 10


def needed_line(needed: int, asked: Sequence[str], approver: str) -> str:
    """"2 approvals needed, from 3 approvers; also asked: bob@example.com, carol@example.com",
    or "...; also asked: a@…, …, j@… and 990 others"."""
    others = [a for a in asked[:MAX_NAMED + 1] if a != approver][:MAX_NAMED]
    count = f"{needed} approval{'s' if needed != 1 else ''} needed"
    if len(asked) > 1:
        count += f", from {len(asked)} approvers"
    if not others:
        return f"{count}; only you were asked"
    more = len(asked) - (approver in asked) - len(others)
    named = ", ".join(others)
    if more > 0:
        named += f" and {more} other{'s' if more != 1 else ''}"
    return f"{count}; also asked: {named}"


def started_line(context: ApprovalContext) -> str:
    """Who started the run, as far as Greenlight could tell."""
    if context.requester:
        return f"Started by {context.requester}"
    if context.trigger:
        return f"Started by: {context.trigger}"
    return "Greenlight could not tell who started this run"
