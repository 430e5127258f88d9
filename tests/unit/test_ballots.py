"""Vote MACs: a vote counts only if a vote key signed exactly what it says."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from greenlight.ballots import (
    PINNED_ATTRIBUTES,
    pinned_text,
    seal_holds,
    seal_request,
    sign_vote,
    vote_is_genuine,
)
from greenlight.links import ApprovalContext
from greenlight.store import RequestRecord, Vote

KEY = "vote-key-0123456789abcdef0123456789abcdef"
NEWER = "vote-key-fedcba9876543210fedcba9876543210"
OTHER = "another-key-not-greenlights-0123456789abcd"
AT = datetime(2026, 11, 27, 10, 15, 30, 123456, tzinfo=UTC)
REQUEST = "n6Ckc8XQG2o0aN2pDx9cYfGq"


def vote(mac: str | None, **changes: object) -> Vote:
    fields = {"approver": "alice@example.com", "decision": "approve", "comment": "Ship it",
              "at": AT, "mac": mac} | changes
    return Vote(**fields)  # type: ignore[arg-type]


def signed(keys: list[str], **changes: object) -> Vote:
    unsigned = vote(None, **changes)
    return dataclasses.replace(unsigned, mac=sign_vote(
        keys, REQUEST, unsigned.approver, unsigned.decision, unsigned.at, unsigned.comment))


def test_a_signed_vote_verifies() -> None:
    assert signed([KEY]).is_genuine(REQUEST, [KEY])


def test_a_vote_with_a_mac_under_another_key_is_ignored() -> None:
    assert not signed([OTHER]).is_genuine(REQUEST, [KEY])


def test_a_vote_without_a_mac_is_ignored() -> None:
    assert not vote(None).is_genuine(REQUEST, [KEY])
    assert not vote("").is_genuine(REQUEST, [KEY])


@pytest.mark.parametrize("change", [
    {"approver": "mallory@example.com"},
    {"decision": "reject"},
    {"comment": "Ship it, and drop the audit log"},
    {"at": AT + timedelta(microseconds=1)},
])
def test_a_genuine_mac_on_an_altered_vote_is_ignored(change: dict[str, object]) -> None:
    genuine = signed([KEY])
    assert not dataclasses.replace(genuine, **change).is_genuine(REQUEST, [KEY])  # type: ignore[arg-type]


def test_a_mac_copied_to_another_request_is_ignored() -> None:
    assert not signed([KEY]).is_genuine("another-request-id", [KEY])


def test_the_newest_key_signs_and_every_listed_key_verifies() -> None:
    old = signed([KEY])
    new = signed([KEY, NEWER])
    assert new.is_genuine(REQUEST, [NEWER]) and not new.is_genuine(REQUEST, [KEY])
    assert old.is_genuine(REQUEST, [KEY, NEWER]) and new.is_genuine(REQUEST, [KEY, NEWER])


def test_a_link_key_does_not_make_vote_macs() -> None:
    # The salt keeps vote MACs apart from link signatures made with the same key.
    mac = sign_vote([KEY], REQUEST, "alice@example.com", "approve", AT, "Ship it")
    assert not vote_is_genuine([KEY + "x"], mac, REQUEST, "alice@example.com", "approve", AT,
                               "Ship it")


@pytest.mark.parametrize("mac", [None, 42, "", "x" * 500, "not base64 !!"])
def test_junk_in_the_mac_attribute_is_ignored(mac: object) -> None:
    assert not vote_is_genuine([KEY], mac, REQUEST, "alice@example.com", "approve", AT, "")


def test_no_keys_means_no_vote_counts() -> None:
    assert not signed([KEY]).is_genuine(REQUEST, [])
    with pytest.raises(ValueError):
        sign_vote([], REQUEST, "alice@example.com", "approve", AT, "")


def test_a_record_counts_only_its_genuine_votes() -> None:
    record = RequestRecord(
        request_id=REQUEST, pipeline="p", stage="s", action="a", status="pending",
        approvers=("alice@example.com", "bob@example.com", "carol@example.com"),
        min_approvals=2, expires_at=AT + timedelta(days=7), sent_at=AT,
        context=ApprovalContext(region="us-east-1"),
        votes={"alice@example.com": signed([KEY]),
               "bob@example.com": signed([OTHER], approver="bob@example.com"),
               "carol@example.com": vote(None, approver="carol@example.com")})
    counted = record.verified([KEY])
    assert list(counted.votes) == ["alice@example.com"]
    assert counted.forged == ("bob@example.com", "carol@example.com")
    assert len(counted.approvals) == 1
    assert counted.waiting_on() == ("bob@example.com", "carol@example.com")


# --- the request seal ---


LINK_KEYS = ["link-key-0123456789-0123456789-0123456789"]
ITEM = {"request_id": "r1", "pipeline": "p", "stage": "Approval", "action": "Manual",
        "expires_at": 1790000000, "approvers": ["alice@example.com", "bob@example.com"],
        "min_approvals": 2, "approvals_needed": 2, "requesters": ["carol@example.com"],
        "requester_known": True, "status": "pending", "votes": {}}


def test_a_sealed_request_reads_back_as_sealed_from_dynamodb_numbers() -> None:
    seal = seal_request(LINK_KEYS, ITEM)
    stored = dict(ITEM, expires_at=Decimal(1790000000), min_approvals=Decimal(2),
                  approvals_needed=Decimal("2"), seal=seal)
    assert seal_holds(LINK_KEYS, pinned_text(stored), seal)


def test_a_lowered_quorum_breaks_the_seal() -> None:
    seal = seal_request(LINK_KEYS, ITEM)
    assert not seal_holds(LINK_KEYS, pinned_text(dict(ITEM, approvals_needed=1)), seal)


def test_clearing_the_requesters_breaks_the_seal() -> None:
    seal = seal_request(LINK_KEYS, ITEM)
    assert not seal_holds(LINK_KEYS, pinned_text(dict(ITEM, requesters=[])), seal)
    assert not seal_holds(LINK_KEYS, pinned_text({k: v for k, v in ITEM.items()
                                                  if k != "requesters"}), seal)


def test_votes_and_status_may_change_under_the_seal() -> None:
    seal = seal_request(LINK_KEYS, ITEM)
    changed = dict(ITEM, status="deciding", votes={"alice@example.com": {"decision": "approve"}})
    assert "status" not in PINNED_ATTRIBUTES
    assert seal_holds(LINK_KEYS, pinned_text(changed), seal)


def test_a_seal_under_another_key_or_none_does_not_hold() -> None:
    other = seal_request(["another-key-0123456789-0123456789-0123"], ITEM)
    assert not seal_holds(LINK_KEYS, pinned_text(ITEM), other)
    assert not seal_holds(LINK_KEYS, pinned_text(ITEM), None)
    assert not seal_holds(LINK_KEYS, pinned_text(ITEM), "")
