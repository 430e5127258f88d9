"""What the demo prints as votes come in."""

from __future__ import annotations

from datetime import UTC, datetime

from greenlight.links import ApprovalContext
from greenlight.store import RequestRecord
from local.demo import vote_line


def record(min_approvals: int = 2) -> RequestRecord:
    moment = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    return RequestRecord(
        request_id="r", pipeline="p", stage="Approval", action="ManualApproval",
        status="pending", approvers=("alice@example.com", "bob@example.com"),
        min_approvals=min_approvals, expires_at=moment, sent_at=moment,
        context=ApprovalContext(region="us-east-1"), rule="demo: two of three")


def test_a_rejection_reads_rejected() -> None:
    line = vote_line("carol@example.com", "reject", 0, record())
    assert line == ("vote: carol@example.com rejected (0 of 2 approvals, "
                    "rule demo: two of three)")


def test_an_approval_reads_approved_with_the_tally() -> None:
    assert vote_line("alice@example.com", "approve", 1, record()).startswith(
        "vote: alice@example.com approved (1 of 2 approvals")
