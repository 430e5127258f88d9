"""The sign-in fields as the policy, the request record, the vote MAC, the identity module and
the redirect URI carry them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from greenlight.ballots import sign_vote, vote_is_genuine
from greenlight.identity import signed_in_approvers
from greenlight.policy import PolicyError, parse_policy
from greenlight.sign_in_rule import sign_in_rule_from_record
from greenlight.signin_flow import api_url_of_request

ALICE = "alice@example.com"
ISSUER = "https://login.acme.com"
AT = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)
IDENTITY = {"issuer": ISSUER, "sub": "00u1ALICE", "email": ALICE, "auth_time": AT.isoformat(),
            "amr": ["pwd", "mfa"]}


def policy(**fields: object) -> str:
    return json.dumps({"rules": [{"approvers": [ALICE, "bob@example.com"], **fields}],
                       "identities": {f"oidc:{ISSUER}#00u1ALICE": ALICE,
                                      "Alice.Smith@Acme.com": ALICE,
                                      "oidc:https://other#x": "bob@example.com"}})


def test_a_rule_requiring_sign_in_pins_its_fields_and_its_approvers_identities() -> None:
    rule = parse_policy(policy(sign_in="required", sign_in_max_age_minutes=5)).rules[0]
    record = rule.as_record()
    assert sign_in_rule_from_record(record) == rule.sign_in
    assert (record["sign_in"], record["sign_in_max_age_minutes"]) == ("required", 5)
    assert record["sign_in_identities"][f"oidc:{ISSUER}#00u1ALICE"] == ALICE


def test_a_rule_without_sign_in_keeps_it_off_in_the_record() -> None:
    record = parse_policy(policy()).rules[0].as_record()
    assert record["sign_in"] == "off" and "sign_in_identities" not in record
    assert not sign_in_rule_from_record(record).required


@pytest.mark.parametrize("fields", [{"sign_in": "yes"}, {"sign_in_acr": "mfa"},
                                    {"sign_in": "required", "sign_in_max_age_minutes": 0}])
def test_a_sign_in_field_that_does_not_mean_what_it_seems_is_refused(fields: dict) -> None:
    with pytest.raises(PolicyError, match="rules\\[0\\]"):
        parse_policy(policy(**fields))


def test_an_openid_subject_names_an_approver_exactly_as_written() -> None:
    identities = parse_policy(policy(sign_in="required")).identities
    assert ALICE in signed_in_approvers(ISSUER, "00u1ALICE", "a@acme.com", identities)
    assert ALICE not in signed_in_approvers(ISSUER, "00u1alice", "a@acme.com", identities)
    assert ALICE not in signed_in_approvers("https://evil", "00u1ALICE", "a@acme.com", identities)
    assert ALICE in signed_in_approvers(ISSUER, "other", "alice.smith@acme.com", identities)


def test_a_vote_whose_identity_was_changed_in_the_table_does_not_verify() -> None:
    keys = ["v" * 40]
    mac = sign_vote(keys, "req", ALICE, "approve", AT, "ok", IDENTITY)
    assert vote_is_genuine(keys, mac, "req", ALICE, "approve", AT, "ok", IDENTITY)
    assert not vote_is_genuine(keys, mac, "req", ALICE, "approve", AT, "ok",
                               {**IDENTITY, "sub": "00u1MALLORY"})
    assert not vote_is_genuine(keys, mac, "req", ALICE, "approve", AT, "ok", None)


def test_a_vote_without_sign_in_is_signed_as_before() -> None:
    keys = ["v" * 40]
    assert sign_vote(keys, "req", ALICE, "approve", AT, "ok") == sign_vote(
        keys, "req", ALICE, "approve", AT, "ok", None)


@pytest.mark.parametrize(("domain", "proto", "path", "expected"), [
    ("abc.execute-api.eu-west-1.amazonaws.com", "https", "/Prod/approvals/x",
     "https://abc.execute-api.eu-west-1.amazonaws.com/Prod"),
    ("approvals.example.com", "https", "/approvals/x", "https://approvals.example.com"),
    ("example.com", None, "/greenlight/approvals/x", "https://example.com/greenlight"),
    ("127.0.0.1:3000", "http", "/Prod/approvals/x", "http://127.0.0.1:3000/Prod"),
])
def test_the_api_url_comes_from_what_api_gateway_says_of_the_request(
        domain: str, proto: str | None, path: str, expected: str) -> None:
    assert api_url_of_request(domain, proto, path, "/approvals/x") == expected


def test_a_request_that_does_not_say_its_url_gives_none() -> None:
    assert api_url_of_request(None, "https", "/Prod/approvals/x", "/approvals/x") is None
    assert api_url_of_request("h", "https", "/elsewhere", "/approvals/x") is None
