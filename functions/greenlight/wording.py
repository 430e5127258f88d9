"""Sentences the approval mails and the review pages share, as plain text (the templates
escape them where HTML needs it)."""

from __future__ import annotations

from collections.abc import Sequence

from greenlight.links import ApprovalContext


def needed_line(needed: int, asked: Sequence[str], approver: str) -> str:
    """"2 approvals needed, from 3 approvers; also asked: bob@example.com, carol@example.com"."""
    others = [a for a in asked if a != approver]
    count = f"{needed} approval{'s' if needed != 1 else ''} needed"
    if len(asked) > 1:
        count += f", from {len(asked)} approvers"
    who = f"also asked: {', '.join(others)}" if others else "only you were asked"
    return f"{count}; {who}"


def started_line(context: ApprovalContext) -> str:
    """Who started the run, as far as Greenlight could tell."""
    if context.requester:
        return f"Started by {context.requester}"
    if context.trigger:
        return f"Started by: {context.trigger}"
    return "Greenlight could not tell who started this run"
