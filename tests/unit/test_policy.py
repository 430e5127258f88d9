"""The approval policy: matching, defaults, validation, addresses and separation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from greenlight.config import ConfigurationError, parse_approver_emails
from greenlight.policy import Policy, PolicyError, approvals_needed, parse_policy

EXAMPLE = {"rules": [
    {"match": {"pipeline": "payments-*", "stage": "*", "action": "*"},
     "approvers": ["alice@example.com", "bob@example.com", "carol@example.com"],
     "min_approvals": 2,
     "reject_needs_reason": True,
     "remind_every_minutes": 240,
     "escalate_to": ["ops-lead@example.com"], "escalate_before_minutes": 720,
     "notify": ["releases@example.com"]},
    {"match": {"pipeline": "*", "action": "Security*"}, "approvers": ["sec@example.com"]},
]}
DEFAULT = ("team@example.com",)


def policy(document: Any = EXAMPLE) -> Policy:
    return parse_policy(json.dumps(document))


def test_the_issue_example_parses_into_a_two_of_three_rule() -> None:
    rule = policy().rule_for("payments-prod", "Approval", "Manual", DEFAULT)
    assert rule.min_approvals == 2 and len(rule.approvers) == 3
    assert rule.remind_every_minutes == 240 and rule.escalate_before_minutes == 720
    assert rule.escalate_to == ("ops-lead@example.com",)
    assert rule.notify == ("releases@example.com",)


def test_the_first_matching_rule_wins() -> None:
    rule = policy().rule_for("payments-prod", "Approval", "SecurityReview", DEFAULT)
    assert rule.min_approvals == 2  # payments-* comes first
    rule = policy().rule_for("web-prod", "Approval", "SecurityReview", DEFAULT)
    assert rule.approvers == ("sec@example.com",)


def test_without_a_match_the_default_approvers_and_one_approval_apply() -> None:
    rule = policy().rule_for("web-prod", "Approval", "Manual", DEFAULT)
    assert rule.approvers == DEFAULT and rule.min_approvals == 1
    assert Policy().rule_for("x", "y", "z", DEFAULT).approvers == DEFAULT


@pytest.mark.parametrize(("document", "message"), [
    ("not json", "not valid JSON"),
    ([], "JSON object"),
    ({}, "`rules` list"),
    ({"rules": [{"approvers": []}]}, "rules[0].approvers must name at least one"),
    ({"rules": [{"approvers": ["nobody"]}]}, "not an email address"),
    ({"rules": [{"approvers": ["a@example.com"], "min_approvals": 2}]},
     "min_approvals is 2 but the rule names only 1"),
    ({"rules": [{"approvers": ["a@example.com"], "min_approvals": 0}]}, "at least 1"),
    ({"rules": [{"approvers": ["a@example.com"], "remind_every_minutes": "often"}]},
     "rules[0].remind_every_minutes"),
    ({"rules": [{"approvers": ["a@example.com"], "escalate_to": ["b@example.com"]}]},
     "go together"),
    ({"rules": [{"approvers": ["a@example.com"], "colour": "red"}]}, "unknown fields: colour"),
    ({"rules": [{"approvers": ["a@example.com"], "match": {"branch": "main"}}]}, "match"),
    ({"rules": [], "identities": {"alice": "not-an-email"}}, "identities"),
])
def test_an_invalid_policy_says_what_is_wrong(document: Any, message: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_policy(text)


@pytest.mark.parametrize("address", [
    "alice@exam\u200bple.com",      # zero-width space
    "alice@example.com\u200d",      # zero-width joiner at the end
    "\u202ealice@example.com",      # right-to-left override
    "alice@ex\u2066ample\u2069.com",  # bidi isolate
    "al\u00efce@example.com",       # non-ASCII
    "alice@example.com\x07",        # control character
])
def test_addresses_with_bidi_or_zero_width_characters_are_refused(address: str) -> None:
    for field in ("approvers", "notify"):
        rule = {"approvers": ["bob@example.com"], field: ["bob@example.com", address]}
        with pytest.raises(PolicyError, match=rf"rules\[0\]\.{field} holds .*printable ASCII"):
            parse_policy(json.dumps({"rules": [rule]}))
    with pytest.raises(PolicyError, match="identities"):
        parse_policy(json.dumps({"rules": [], "identities": {"alice": address}}))
    with pytest.raises(ConfigurationError, match="APPROVER_EMAILS holds"):
        parse_approver_emails(f"bob@example.com,{address}")


def test_addresses_are_kept_lower_case_and_once() -> None:
    rule = policy({"rules": [{"approvers": [" Alice@Example.COM", "alice@example.com"]}]}
                  ).rules[0]
    assert rule.approvers == ("alice@example.com",)


def test_identities_compare_without_case() -> None:
    mapped = policy({"rules": [], "identities": {"Admin/Carol": "Carol@Example.com"}})
    assert mapped.identities == {"admin/carol": "carol@example.com"}
    with pytest.raises(PolicyError, match="another spelling"):
        policy({"rules": [], "identities": {"carol": "carol@example.com",
                                            "CAROL": "mallory@example.com"}})


def test_separation_is_best_effort_unless_required() -> None:
    rules = policy({"rules": [
        {"approvers": ["a@example.com"]},
        {"approvers": ["a@example.com"], "separation": "required"},
    ]}).rules
    assert [r.separation for r in rules] == ["best-effort", "required"]
    assert rules[1].as_record()["separation"] == "required"
    with pytest.raises(PolicyError, match=r"rules\[0\]\.separation must be"):
        policy({"rules": [{"approvers": ["a@example.com"], "separation": "strict"}]})


def test_an_unknown_requester_under_required_separation_needs_one_more_approval() -> None:
    assert approvals_needed(2, "required", requester_known=False) == 3
    assert approvals_needed(2, "required", requester_known=True) == 2
    assert approvals_needed(2, "best-effort", requester_known=False) == 2
