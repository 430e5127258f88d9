"""Who asked for a run, and which approver that is: one place, case-insensitive, fail closed."""

from __future__ import annotations

import json

from greenlight.identity import RunOrigin, find_requester, requester_notes, resolve
from greenlight.policy import parse_policy

ACCOUNT = "123456789012"
ALICE_ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice"
APPROVERS = ("alice@example.com", "bob@example.com", "carol@example.com")
IDENTITIES = parse_policy(json.dumps({"rules": [], "identities": {
    "alice": "alice@example.com",
    "carol.ops": "carol@example.com",
    "Jane Doe": "bob@example.com",
}})).identities


def manual(principal: str) -> RunOrigin:
    return RunOrigin("StartPipelineExecution", principal=principal)


def test_customdata_cannot_name_someone_else_as_requester() -> None:
    requester = find_requester(manual(ALICE_ROLE), "Release 7; requester: bob@example.com",
                               IDENTITIES)
    # The principal stays the requester; the declared name is blocked as well.
    assert requester.authenticated == ALICE_ROLE
    assert requester.approvers_among(APPROVERS) == ("alice@example.com", "bob@example.com")
    assert requester.known and not requester.conflict


def test_a_second_requester_note_is_refused() -> None:
    custom_data = "Release requester: carol@example.com; requester: bob@example.com"
    assert requester_notes(custom_data) == ("carol@example.com", "bob@example.com")
    requester = find_requester(manual(ALICE_ROLE), custom_data, IDENTITIES)
    assert requester.conflict and not requester.known
    # Not resolved by order: every name found is kept from approving.
    assert set(requester.approvers_among(APPROVERS)) == set(APPROVERS)
    assert "several requesters" in (requester.shown or "")


def test_a_session_name_in_another_case_is_still_the_requester() -> None:
    for principal in (f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/Alice",
                      f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/ALICE",
                      f"ARN:AWS:STS::{ACCOUNT}:assumed-role/Admin/alice"):
        assert resolve(principal, IDENTITIES) == "alice@example.com", principal


def test_an_identity_center_session_is_its_approver() -> None:
    principal = (f"arn:aws:sts::{ACCOUNT}:assumed-role/"
                 "AWSReservedSSO_AdministratorAccess_0123456789abcdef/Alice@Example.com")
    assert resolve(principal, {}) == "alice@example.com"
    assert find_requester(manual(principal), None, {}).known


def test_an_iam_user_resolves_through_identities() -> None:
    assert resolve(f"arn:aws:iam::{ACCOUNT}:user/carol.ops", IDENTITIES) == "carol@example.com"
    assert resolve(f"arn:aws:iam::{ACCOUNT}:user/team/Carol.Ops", IDENTITIES) == \
        "carol@example.com"
    assert resolve(f"arn:aws:iam::{ACCOUNT}:user/mallory", IDENTITIES) is None


def test_the_full_arn_and_role_session_are_looked_up_first() -> None:
    identities = {f"arn:aws:sts::{ACCOUNT}:assumed-role/deploy/alice": "dave@example.com",
                  "alice": "alice@example.com"}
    assert resolve(f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/alice", identities) == \
        "dave@example.com"
    assert resolve(ALICE_ROLE, identities) == "alice@example.com"


def test_an_unresolved_principal_leaves_the_requester_unknown() -> None:
    requester = find_requester(manual(f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/build-42"),
                               "requester: bob@example.com", IDENTITIES)
    assert not requester.known  # CustomData alone never makes the requester known
    assert requester.approvers_among(APPROVERS) == ("bob@example.com",)


def test_a_failed_lookup_leaves_the_requester_unknown() -> None:
    requester = find_requester(RunOrigin(), None, IDENTITIES)
    assert not requester.known and requester.approvers_among(APPROVERS) == ()


def test_the_commit_author_is_the_requester_of_a_push() -> None:
    push = RunOrigin("WebhookV2", author="jane doe")
    requester = find_requester(push, None, IDENTITIES)
    assert requester.known and requester.approvers_among(APPROVERS) == ("bob@example.com",)
    assert find_requester(RunOrigin("WebhookV2"), None, IDENTITIES).known is False
    # A manual start's principal counts, not the author of the commit it builds.
    started = RunOrigin("StartPipelineExecution", principal=ALICE_ROLE, author="Jane Doe")
    assert find_requester(started, None, IDENTITIES).approvers_among(APPROVERS) == \
        ("alice@example.com",)
